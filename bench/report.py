#!/usr/bin/env python3
"""report.py - the tables and the chart of bench.sh's results.

Usage: report.py RESULTS.tsv CHART.png

RESULTS.tsv rows: round scenario server value unit rss_kB cpu_us mean_ms
max_ms all_us (cpu_us: the server's processes; all_us: the whole machine but
the client, per unit of work). Prints one table per scenario (medians over the rounds, the
ratio to the best server and h2cgi's ratios to the best peer), and draws
every scenario's values relative to the best peer as one bar chart with
gnuplot (skipped with a note when gnuplot is missing).
"""
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

H2CGI = ('h2cgi', 'h2cgi-w2')
LOWER_IS_BETTER = {'KiB/conn'}
TITLES = {
    'hello_m10': '13 B from FastCGI, h2load -c10 -m10 (req/s)',
    'hello_m1': '13 B from FastCGI, h2load -c10 -m1 (req/s)',
    '100k_m10': '100 KB from FastCGI, h2load -c10 -m10 (req/s)',
    'cgi_m10': 'CGI hello.cgi, h2load -c10 -m10 (req/s; direct: vfork+exec loop, 2 at once)',
    'idle': 'memory per idle HTTP/2 TLS connection (KiB; lower is better)',
    'hs_full': 'full TLS 1.3 handshakes, one client (hs/s)',
    'hs_resumed': 'resumed TLS 1.3 handshakes (tickets), one client (hs/s)',
    'down_big': 'one big download from FastCGI, curl --http2 (MB/s; rss = peak)',
    'up_big': 'one big upload to FastCGI, curl --http2 (MB/s; rss = peak)',
}


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, nd=0):
    return 'NA' if v is None else f'{v:.{nd}f}'


def main():
    rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
    chart = sys.argv[2]
    data = collections.defaultdict(list)
    scen, servers, unit = [], [], {}
    for r, sc, s, val, u, rss, cpu, mean, mx, al in rows:
        data[(sc, s)].append((num(val), num(rss), num(cpu), num(mean), num(mx), num(al)))
        unit[sc] = u
        if sc not in scen:
            scen.append(sc)
        if s not in servers:
            servers.append(s)
    rel = {}  # (scenario, server) -> value relative to the best peer, higher is better
    for sc in scen:
        lower = unit[sc] in LOWER_IS_BETTER
        m = {s: [med([x[i] for x in data[(sc, s)]]) for i in range(6)]
             for s in servers if (sc, s) in data}
        pick = min if lower else max
        vals = [v[0] for s, v in m.items() if s != 'direct' and v[0] is not None]
        best = pick(vals) if vals else None
        peers = [v[0] for s, v in m.items() if s not in H2CGI + ('direct',) and v[0] is not None]
        bestpeer = pick(peers) if peers else None
        peer_cpu = [v[2] for s, v in m.items() if s not in H2CGI + ('direct',) and v[2] is not None]
        peer_rss = [v[1] for s, v in m.items() if s not in H2CGI + ('direct',) and v[1] is not None]
        peer_all = [v[5] for s, v in m.items() if s not in H2CGI + ('direct',) and v[5] is not None]
        print(f'\n{sc}: {TITLES.get(sc, sc)}')
        print(f"  {'server':16} {unit[sc]:>9} {'ratio':>6} {'rss_kB':>8} {'cpu_us':>8} {'all_us':>8} {'mean_ms':>8} {'max_ms':>8}  rounds")
        for s, v in m.items():
            ratio = None
            if best and v[0] is not None:
                ratio = best / v[0] if lower else v[0] / best
            per_round = ' '.join(fmt(x[0], 1 if lower else 0) for x in data[(sc, s)])
            print(f'  {s:16} {fmt(v[0], 1 if lower else 0):>9} {fmt(ratio, 2):>6} {fmt(v[1]):>8} '
                  f'{fmt(v[2], 1):>8} {fmt(v[5], 1):>8} {fmt(v[3], 2):>8} {fmt(v[4], 2):>8}  {per_round}')
            if bestpeer and v[0] is not None and s != 'direct':
                rel[(sc, s)] = bestpeer / v[0] if lower else v[0] / bestpeer
        for s in H2CGI:
            if s not in m or m[s][0] is None:
                continue
            parts = []
            if bestpeer and lower:  # the value's own ratio: 1.22x is 22% more memory
                parts.append(f'{unit[sc]} {m[s][0] / bestpeer:.2f}x the best peer\'s (lower is better)')
            elif bestpeer:
                parts.append(f'{unit[sc]} {rel[(sc, s)]:.2f}x the best peer')
            if peer_cpu and m[s][2] is not None:
                parts.append(f'cpu {m[s][2] / min(peer_cpu):.2f}x the lowest peer')
            if peer_all and m[s][5] is not None:
                parts.append(f'machine cpu {m[s][5] / min(peer_all):.2f}x the lowest peer')
            if peer_rss and m[s][1] is not None and sc != 'idle':
                parts.append(f'rss {m[s][1] / min(peer_rss):.2f}x the lowest peer')
            if 'direct' in m and m['direct'][0] and not lower:
                parts.append(f'{m[s][0] / m["direct"][0]:.2f}x direct')
            if parts:
                print(f'  {s}: ' + ', '.join(parts))
    draw(chart, scen, [s for s in servers if s != 'direct'], rel)


def draw(chart, scen, servers, rel):
    if not shutil.which('gnuplot'):
        print(f'\n(no chart: gnuplot is not installed; apt-get install gnuplot-nox)')
        return
    scen = [sc for sc in scen if any((sc, s) in rel for s in servers)]
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, 'rel.dat')
        with open(dat, 'w') as f:
            f.write('scenario ' + ' '.join(servers) + '\n')
            for sc in scen:
                f.write(sc + ' ' + ' '.join(fmt(rel.get((sc, s)), 3).replace('NA', '0')
                                            for s in servers) + '\n')
        plot = ', '.join(f"'{dat}' using {i + 2}:xtic(1) title columnheader"
                         for i in range(len(servers)))
        script = f'''
set terminal pngcairo size 1200,560 font "sans,10" noenhanced
set output '{chart}'
set title "h2cgi and its peers, relative to the best peer in each scenario (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key outside right top
set xtics rotate by 30 right
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot {plot}
'''
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
    print(f'\nchart: {chart}')


if __name__ == '__main__':
    main()
