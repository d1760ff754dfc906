#!/bin/bash
# The ipsec-libreswan scenario with the daemon's kernel ESP datapath (XFRM SAs,
# guard policies, marks): pluto's PFS and DPD, and the reply direction.
# shellcheck source=tests/lab/scenarios/ipsec-libreswan.sh
. "$LAB_DIR/scenarios/ipsec-libreswan.sh" kernel
