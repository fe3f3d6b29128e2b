/* SPDX-License-Identifier: MIT */
/* Intrusive circular doubly-linked lists. */
#ifndef LAMINA_LIST_H
#define LAMINA_LIST_H

#include <lamina/types.h>

struct list_head {
    struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) \
    {                        \
        &(name), &(name)     \
    }
#define LIST_HEAD_DECL(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void list_init(struct list_head *h)
{
    h->next = h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
    return h->next == h;
}

static inline void list_insert_between(struct list_head *n, struct list_head *prev,
                                       struct list_head *next)
{
    n->next = next;
    n->prev = prev;
    prev->next = n;
    next->prev = n;
}

static inline void list_add(struct list_head *n, struct list_head *h)
{
    list_insert_between(n, h, h->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
    list_insert_between(n, h->prev, h);
}

static inline void list_del(struct list_head *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = n; /* deleting twice is harmless */
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)

#define list_for_each_entry(pos, h, member)                                          \
    for (pos = list_entry((h)->next, __typeof__(*pos), member); &pos->member != (h); \
         pos = list_entry(pos->member.next, __typeof__(*pos), member))

#define list_for_each_entry_safe(pos, n, h, member)                 \
    for (pos = list_entry((h)->next, __typeof__(*pos), member),     \
        n = list_entry(pos->member.next, __typeof__(*pos), member); \
         &pos->member != (h); pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif
