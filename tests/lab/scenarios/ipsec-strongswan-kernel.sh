#!/bin/bash
# The ipsec-strongswan scenario with the daemon's kernel ESP datapath (XFRM SAs, guard
# policies, marks), the same clients and checks plus the reply direction.
# shellcheck source=tests/lab/scenarios/ipsec-strongswan.sh
. "$LAB_DIR/scenarios/ipsec-strongswan.sh" kernel
