#!/bin/bash
# The l2tp-ppp scenario with the daemon's kernel ESP datapath (XFRM SAs installed by
# the daemon): the same Linux clients (charon + xl2tpd + pppd) and the same checks.
# shellcheck source=tests/lab/scenarios/l2tp-ppp.sh
. "$LAB_DIR/scenarios/l2tp-ppp.sh" kernel
