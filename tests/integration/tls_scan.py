#!/usr/bin/python3
"""tls_scan.py JSON - judges testssl.sh's JSON findings for h2cgi's default
TLS configuration. The certificate is the tests' ephemeral self-signed one,
so the certificate's own findings (trust, chain, expiry, revocation, CAA)
are left out. Prints one line per problem, nothing when there is none:
  - SSLv2, SSLv3, TLS 1.0 or 1.1 offered (RFC 9113 9.2 wants 1.2 at least)
  - a NULL, anonymous, export, low, 3DES/IDEA or "average" cipher offered
  - any other finding of severity LOW or worse (a known vulnerability)
Its session-ticket finding is not judged: testssl.sh asks with one
`openssl s_client -sess_out </dev/null`, which quits at its input's end
and races the TLS 1.3 NewSessionTicket, sent only after the server has
the client's Finished (RFC 8446 4.6.1): on a loaded machine it missed 2
tickets in 100 and reported "not supported". resume.py judges tickets."""
import json
import sys

with open(sys.argv[1]) as f:
    data = json.load(f)
findings = data["scanResult"][0] if isinstance(data, dict) and "scanResult" in data else data
if isinstance(findings, dict):  # --jsonfile-pretty groups them by section
    findings = [x for v in findings.values() if isinstance(v, list) for x in v]
CERT = ("cert", "DNS_CAArecord", "OCSP", "certificate_transparency", "engine_problem", "service",
        "scanTime", "intermediate_cert")
seen = set()
for x in findings:
    fid, sev, what = x.get("id", ""), x.get("severity", ""), x.get("finding", "")
    seen.add(fid)
    if fid.startswith(CERT):
        continue
    if fid in ("SSLv2", "SSLv3", "TLS1", "TLS1_1") and "not offered" not in what:
        print("%s: %s" % (fid, what))
    elif fid.startswith("cipherlist_") and fid != "cipherlist_STRONG" and "not offered" not in what:
        print("%s: %s" % (fid, what))
    elif sev in ("LOW", "MEDIUM", "HIGH", "CRITICAL"):
        print("%s (%s): %s" % (fid, sev, what))
for need in ("SSLv3", "TLS1_1", "heartbleed", "ROBOT"):
    if need not in seen:
        print("%s: not checked" % need)
