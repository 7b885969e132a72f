"""Drive `wstrust serve` with zeep, a WSDL-driven SOAP client.

zeep reads the server's metadata (the WSDL at the mex address), builds the
SOAP 1.2 operations from it (Issue, Validate, Renew, Cancel per WS-Trust
version), adds WS-Addressing because the WSDL names `wsaw:Action`s, and puts
a WS-Security `UsernameToken` (PasswordText) and a `wsu:Timestamp` into the
header with its own `zeep.wsse.username.UsernameToken`. The RST bodies are
the only thing built here (the WS-Trust schemas leave their content open).

For each WS-Trust version: issue; validate (valid); renew; validate the old
token (invalid) and the new one (valid); cancel the new one; validate it
(invalid); and a wrong password (the fault zeep raises).

Prints one JSON object on stdout for the Rust test to assert on.
TLS is verified against `--ca` (the server's certificate).
"""

import argparse
import copy
import datetime
import json
import sys

import requests
from lxml import etree

import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
WSA = "http://www.w3.org/2005/08/addressing"
VERSIONS = {
    "13": {
        "ns": "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
        "prefix": "Trust13",
        "port": "IWSTrust13Async",
        "token_type": "urn:oasis:names:tc:SAML:2.0:assertion",
        "key_type": "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
    },
    "2005": {
        "ns": "http://schemas.xmlsoap.org/ws/2005/02/trust",
        "prefix": "TrustFeb2005",
        "port": "IWSTrustFeb2005Async",
        "token_type": "urn:oasis:names:tc:SAML:1.0:assertion",
        "key_type": "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey",
    },
}


def timestamp():
    now = datetime.datetime.now(datetime.timezone.utc)
    ts = etree.Element("{%s}Timestamp" % WSU)
    etree.SubElement(ts, "{%s}Created" % WSU).text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    etree.SubElement(ts, "{%s}Expires" % WSU).text = (
        now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ts


def elements(value):
    """The lxml elements in what zeep returned (open content is kept as
    elements; declared elements become zeep objects holding them)."""
    if isinstance(value, etree._Element):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from elements(v)
    elif value is not None and hasattr(value, "__values__"):
        for v in value.__values__.values():
            yield from elements(v)


def find(value, ns, name):
    for e in elements(value):
        for hit in e.iter("{%s}%s" % (ns, name)):
            return hit
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wsdl", required=True, help="the metadata URL")
    ap.add_argument("--ca", required=True, help="PEM file to verify TLS with")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--applies-to", required=True)
    args = ap.parse_args()

    http = requests.Session()
    # REQUESTS_CA_BUNDLE would override `verify`: ignore the environment.
    http.trust_env = False
    http.verify = args.ca
    client = zeep.Client(args.wsdl, transport=Transport(session=http))

    out = {"zeep_version": zeep.__version__, "versions": {}}
    for version, v in VERSIONS.items():
        ns = v["ns"]
        port = next(p for p in client.wsdl.services["SecurityTokenService"].ports.values()
                    if v["port"] in p.name)
        service = client.bind("SecurityTokenService", port.name)

        def el(name, text=None, ns=ns):
            e = etree.Element("{%s}%s" % (ns, name))
            if text is not None:
                e.text = text
            return e

        def call(op, body, password=args.password):
            # A fresh Timestamp for every message.
            client.wsse = UsernameToken(args.user, password, timestamp_token=timestamp())
            return getattr(service, v["prefix"] + op + "Async")(_value_1=body)

        def applies_to():
            at = etree.Element("{%s}AppliesTo" % WSP)
            epr = etree.SubElement(at, "{%s}EndpointReference" % WSA)
            etree.SubElement(epr, "{%s}Address" % WSA).text = args.applies_to
            return at

        def issue_body():
            return [applies_to(), el("RequestType", ns + "/Issue"),
                    el("KeyType", v["key_type"]), el("TokenType", v["token_type"])]

        def token_of(reply):
            rst = find(reply, ns, "RequestedSecurityToken")
            assert rst is not None, "no RequestedSecurityToken"
            return copy.deepcopy(rst[0])

        def target(name, token):
            t = el(name)
            t.append(copy.deepcopy(token))
            return t

        def status(token):
            reply = call("Validate", [
                el("RequestType", ns + "/Validate"),
                el("TokenType", ns + "/RSTR/Status"),
                target("ValidateTarget", token),
            ])
            code = find(reply, ns, "Code")
            return None if code is None else code.text

        r = {"port": port.name, "address": port.binding_options["address"]}
        reply = call("Issue", issue_body())
        first = token_of(reply)
        tt = find(reply, ns, "TokenType")
        r["issued_token_type"] = None if tt is None else tt.text
        r["issued"] = etree.tostring(first).decode()
        r["validate_issued"] = status(first)

        reply = call("Renew", [el("RequestType", ns + "/Renew"), target("RenewTarget", first)])
        second = token_of(reply)
        r["renewed"] = etree.tostring(second).decode()
        r["validate_old_after_renew"] = status(first)
        r["validate_renewed"] = status(second)

        reply = call("Cancel", [el("RequestType", ns + "/Cancel"), target("CancelTarget", second)])
        r["cancelled"] = find(reply, ns, "RequestedTokenCancelled") is not None
        r["validate_after_cancel"] = status(second)

        try:
            call("Issue", issue_body(), password=args.password + "-wrong")
            r["wrong_password"] = None
        except Fault as f:
            r["wrong_password"] = {
                "message": f.message,
                "code": f.code,
                "subcodes": [str(s) for s in (f.subcodes or [])],
            }
        out["versions"][version] = r
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
