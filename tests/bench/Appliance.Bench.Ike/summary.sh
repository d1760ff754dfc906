#!/bin/bash
# The IKE benchmark's tables, ratios (ours / each charon) and one machine-readable line, from the
# RESULT/HELD/LOAD lines bench-ike.sh collected:   summary.sh results.txt
set -euo pipefail
awk '
    function field(line, key,    re, m) {
        re = "(^| )" key "=[^ ]*"
        if (match(line, re)) { m = substr(line, RSTART, RLENGTH); sub(/^ /, "", m); return substr(m, length(key) + 2) }
        return ""
    }
    function ratio(a, b) { return (a == "" || b == "" || a == "nan" || b == "nan" || b + 0 == 0) ? "nan" : sprintf("%.2f", a / b) }
    function gname(g) { return g == 14 ? "modp2048" : (g == 19 ? "ecp256" : "group" g) }
    function key(t) { gsub(/-/, "_", t); return t }
    function target(t) { if (!(t in seen_t)) { seen_t[t] = 1; ts[++nt] = t } }
    /^LOAD / { load[$2] = $3 " " $4 " " $5 }
    /^NICE / { nice = $2 }
    /^RESULT / && field($0, "mode") == "rate" {
        t = field($0, "label"); g = gname(field($0, "group")); target(t)
        rate[t, g] = field($0, "rate"); eff[t, g] = field($0, "per_cpu_second"); dcpu[t, g] = field($0, "driver_cpu")
        rcpu[t, g] = field($0, "responder_cpu"); fail[t, g] = field($0, "failed"); retr[t, g] = field($0, "retransmits")
        p50[t, g] = field($0, "p50_ms"); busy1[t, g] = field($0, "cpu1_busy"); busy0[t, g] = field($0, "cpu0_busy")
        if (!(g in seen_g)) { seen_g[g] = 1; gs[++ng] = g }
    }
    /^RESULT / && field($0, "mode") == "memory" {
        t = field($0, "label"); target(t); per[t] = field($0, "bytes_per_sa"); heldn[t] = field($0, "held")
        idle[t] = field($0, "rss_idle_kib"); loaded[t] = field($0, "rss_loaded_kib"); acc[t] = field($0, "accumulate_rate")
    }
    /^HELD / { t = field($0, "label"); sub(/^HELD label=[^ ]* /, ""); report[t] = $0 }
    END {
        print ""
        print "IKEv1 Main Mode + Quick Mode, PSK, AES-128-CBC/SHA2-256 + ESP AES-128-CBC/HMAC-SHA1 transport udp/1701"
        print "responder pinned to CPU 1, driver to CPU 0; CPU figures are shares of one core over the measured window;"
        print "per CPU-s = exchanges per second of responder CPU time (least disturbed by other jobs on the machine)"
        printf "load average at start %s, at end %s; responders and driver at nice %s\n\n", load["start"], load["end"], nice
        printf "%-15s %-9s %9s %9s %6s %5s %7s %8s %10s %9s %9s\n", "target", "group", "exch/s", "per CPU-s", "failed", "retx", "p50 ms", "resp CPU", "driver CPU", "CPU1 busy", "CPU0 busy"
        for (i = 1; i <= ng; i++) for (j = 1; j <= nt; j++) {
            g = gs[i]; t = ts[j]
            if ((t, g) in rate)
                printf "%-15s %-9s %9.1f %9.1f %6s %5s %7.0f %7.0f%% %9.0f%% %8.0f%% %8.0f%%\n", t, g, rate[t, g], eff[t, g], fail[t, g], retr[t, g],
                    p50[t, g], 100 * rcpu[t, g], 100 * dcpu[t, g], 100 * busy1[t, g], 100 * busy0[t, g]
        }
        print ""
        printf "%-15s %9s %13s %15s %13s %11s  %s\n", "target", "SAs held", "RSS idle KiB", "RSS loaded KiB", "bytes per SA", "accum. /s", "the responder itself reports"
        for (j = 1; j <= nt; j++) {
            t = ts[j]
            if (t in per) printf "%-15s %9s %13s %15s %13.0f %11.1f  %s\n", t, heldn[t], idle[t], loaded[t], per[t], acc[t], report[t]
        }
        print ""
        line = "ike-bench:"
        for (i = 1; i <= ng; i++) {
            g = gs[i]
            for (j = 1; j <= nt; j++) {
                t = ts[j]
                if ((t, g) in rate) line = line sprintf(" %s_%s=%s %s_%s_per_cpu_s=%s driver_cpu_%s_%s=%s", key(t), g, rate[t, g], key(t), g, eff[t, g], key(t), g, dcpu[t, g])
            }
            for (j = 1; j <= nt; j++) {
                t = ts[j]
                if (t == "ours" || !((t, g) in rate) || !(("ours", g) in rate)) continue
                r = ratio(rate["ours", g], rate[t, g]); e = ratio(eff["ours", g], eff[t, g])
                printf "ratio ours/%s, %s: exchanges per second %s, per responder CPU-second %s\n", t, g, r, e
                line = line sprintf(" ratio_%s_%s=%s ratio_%s_%s_per_cpu_s=%s", key(t), g, r, key(t), g, e)
            }
        }
        for (j = 1; j <= nt; j++) {
            t = ts[j]
            if (!(t in per)) continue
            line = line sprintf(" %s_bytes_per_sa=%s", key(t), per[t])
            if (t != "ours" && ("ours" in per)) {
                r = ratio(per["ours"], per[t])
                printf "ratio ours/%s, bytes per established IKE SA: %s\n", t, r
                line = line sprintf(" ratio_%s_bytes_per_sa=%s", key(t), r)
            }
        }
        print line
    }' "$1"
