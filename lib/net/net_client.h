/*
 * lib/net for a client on the stack (the load generator): what an active
 * opener needs besides tcp_connect() in net.h. Kept apart from net.h, which
 * is the server's contract, and from net_int.h, which is the stack's inside.
 *
 * Threading rule: as net.h: a stack is used only on the lcore that owns it.
 */
#ifndef WIREKV_NET_CLIENT_H
#define WIREKV_NET_CLIENT_H

#include <stdint.h>

#include <rte_ether.h>

#include "net/net.h"

/* The MAC of ip's next hop (ip itself on our subnet, else the gateway):
 * 0 with *mac set when the ARP cache holds it; -EAGAIN when not yet (an ARP
 * request is queued, at most one a second: net_poll sends it);
 * -ENETUNREACH when ip is off the subnet and there is no gateway. */
int net_arp_lookup(struct net_stack *ns, uint32_t ip, struct rte_ether_addr *mac);

/* Put the next hop of ip -> mac (what net_arp_lookup(ip) gave) into this
 * stack's ARP cache, for a full TTL from now.
 * For stacks whose lcore never sees ARP replies: with one device queue,
 * or a device whose RSS puts ARP on queue 0, only lcore 0's stack hears
 * the answer; it shares the result and each lcore seeds its own stack. */
void net_arp_seed(struct net_stack *ns, uint32_t ip, const struct rte_ether_addr *mac);

#endif
