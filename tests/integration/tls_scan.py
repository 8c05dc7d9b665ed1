#!/usr/bin/python3
"""tls_scan.py JSON - judges testssl.sh's JSON findings for h2cgi's default
TLS configuration. The certificate is the tests' ephemeral self-signed one,
so the certificate's own findings (trust, chain, expiry, revocation, CAA)
are left out. Prints one line per problem, nothing when there is none:
  - SSLv2, SSLv3, TLS 1.0 or 1.1 offered (RFC 9113 9.2 wants 1.2 at least)
  - a NULL, anonymous, export, low, 3DES/IDEA or "average" cipher offered
  - any other finding of severity LOW or worse (a known vulnerability)
  - session resumption by ticket not supported"""
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
    elif fid == "sessionresumption_ticket" and "supported" not in what.replace("not supported", ""):
        print("%s: %s" % (fid, what))
    elif sev in ("LOW", "MEDIUM", "HIGH", "CRITICAL"):
        print("%s (%s): %s" % (fid, sev, what))
for need in ("SSLv3", "TLS1_1", "heartbleed", "ROBOT", "sessionresumption_ticket"):
    if need not in seen:
        print("%s: not checked" % need)
