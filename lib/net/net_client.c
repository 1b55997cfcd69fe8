/* ARP for a client on the stack: net_client.h over arp.c's cache. */
#include <errno.h>

#include "net/net_client.h"
#include "net/net_int.h"

int net_arp_lookup(struct net_stack *ns, uint32_t ip, struct rte_ether_addr *mac)
{
	const struct rte_ether_addr *m;

	if (((ip ^ ns->cfg.ip) & ns->netmask) && !ns->cfg.gateway)
		return -ENETUNREACH;
	m = arp_resolve(ns, ip);
	if (!m)
		return -EAGAIN;
	*mac = *m;
	return 0;
}

void net_arp_seed(struct net_stack *ns, uint32_t ip, const struct rte_ether_addr *mac)
{
	uint32_t hop = ((ip ^ ns->cfg.ip) & ns->netmask) ? ns->cfg.gateway : ip;

	if (hop)
		arp_learn(ns, hop, mac);
}
