"""Drive `wstrust serve` with MSAL Python's own WS-Trust code.

MSAL's federated username/password flow (what `PublicClientApplication.
acquire_token_by_username_password` does after Azure AD's realm discovery
names a federated IdP) is three steps, each a public module of the `msal`
package, used here unchanged:

1. `msal.mex.send_request`: GET the metadata, pick the `usernamemixed`
   endpoint (WS-SecurityPolicy `UsernameToken` over HTTPS; 1.3 preferred);
2. `msal.wstrust_request.send_request`: POST MSAL's own RST (SOAP 1.2,
   `wsse:UsernameToken` with `wsu:Timestamp`) to it;
3. `msal.wstrust_response.parse_response`: regex out the token and its type,
   or raise with the fault's reason and subcode.

Prints one JSON object on stdout for the Rust test to assert on.
TLS is verified against `--ca` (the server's development certificate).
"""

import argparse
import json
import sys

import requests

import msal
import msal.mex
import msal.wstrust_request
import msal.wstrust_response


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mex", required=True, help="the metadata URL")
    ap.add_argument("--ca", required=True, help="PEM file to verify TLS with")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--applies-to", required=True)
    args = ap.parse_args()

    http = requests.Session()
    # The environment's REQUESTS_CA_BUNDLE would override a session's
    # `verify`: ignore the environment and pass the CA on every call.
    http.trust_env = False
    tls = {"verify": args.ca}

    out = {"msal_version": msal.__version__, "requests_version": requests.__version__}

    # 1. Discovery, exactly as MSAL does it.
    chosen = msal.mex.send_request(args.mex, http, **tls)
    out["discovered"] = chosen
    # Every usernamemixed endpoint MSAL would accept (to reach 2005 too):
    # the same Mex reader, asked for the whole list.
    resp = http.get(args.mex, **tls)
    resp.raise_for_status()
    mex = msal.mex.Mex(resp.text)
    endpoints = mex._get_endpoints(mex._get_bindings(), mex._get_username_password_policy_ids())
    out["endpoints"] = endpoints

    # 2 + 3. Issue at each endpoint, then with a wrong password.
    out["issued"] = []
    out["wrong_password"] = []
    for ep in endpoints:
        version = "13" if ep["action"] == msal.mex.Mex.ACTION_13 else "2005"
        r = msal.wstrust_request.send_request(
            args.user, args.password, args.applies_to, ep["address"], ep["action"], http, **tls)
        out["issued"].append({
            "version": version,
            "address": ep["address"],
            "type": r["type"],
            "token": r["token"].decode("utf-8"),
        })
        try:
            msal.wstrust_request.send_request(
                args.user, args.password + "-wrong", args.applies_to, ep["address"],
                ep["action"], http, **tls)
            out["wrong_password"].append({"version": version, "error": None})
        except RuntimeError as e:
            out["wrong_password"].append({"version": version, "error": str(e)})
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
