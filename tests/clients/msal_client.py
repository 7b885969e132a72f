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

Then the public API end to end: `PublicClientApplication.
acquire_token_by_username_password` with an `http_client` that sends
everything to the real network stack except the Azure AD calls
(`login.microsoftonline.com`: OpenID configuration, user realm discovery,
token endpoint), which it answers itself: the user realm names this server's
metadata as the federation metadata, and the token endpoint records the
SAML bearer grant MSAL sends it (RFC 7522).

Prints one JSON object on stdout for the Rust test to assert on.
TLS is verified against `--ca` (the server's development certificate).
"""

import argparse
import base64
import json
import sys
import warnings

import requests

import msal
import msal.mex
import msal.wstrust_request
import msal.wstrust_response


AAD = "https://login.microsoftonline.com"


def _json_response(status, body):
    r = requests.Response()
    r.status_code = status
    r._content = json.dumps(body).encode()
    r.headers["Content-Type"] = "application/json"
    return r


class StandInAzureAd:
    """MSAL's `http_client`: the STS over the real network (TLS verified
    against the given CA), Azure AD answered here."""

    def __init__(self, ca, mex, audience):
        self.real = requests.Session()
        self.real.trust_env = False
        self.real.verify = ca
        self.mex = mex
        self.audience = audience
        self.aad_requests = []
        self.grant = None

    def get(self, url, params=None, headers=None, **kwargs):
        if not url.startswith(AAD):
            return self.real.get(url, params=params, headers=headers, **kwargs)
        self.aad_requests.append("GET " + url.split("?")[0])
        if url.endswith("/.well-known/openid-configuration"):
            return _json_response(200, {
                "authorization_endpoint": AAD + "/common/oauth2/v2.0/authorize",
                "token_endpoint": AAD + "/common/oauth2/v2.0/token",
                "device_authorization_endpoint": AAD + "/common/oauth2/v2.0/devicecode",
                "issuer": AAD + "/{tenantid}/v2.0",
            })
        if "/userrealm/" in url:
            return _json_response(200, {
                "account_type": "Federated",
                "federation_protocol": "WSTrust",
                "federation_metadata_url": self.mex,
                "cloud_audience_urn": self.audience,
            })
        return _json_response(404, {"error": "not_found"})

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        if not url.startswith(AAD):
            return self.real.post(url, params=params, data=data, headers=headers, **kwargs)
        self.aad_requests.append("POST " + url)
        self.grant = dict(data or {})
        return _json_response(200, {
            "access_token": "stand-in", "token_type": "Bearer", "expires_in": 3600})

    def close(self):
        self.real.close()


def public_api(args):
    http = StandInAzureAd(args.ca, args.mex, args.applies_to)
    with warnings.catch_warnings():
        # The username/password flow is deprecated in favour of interactive
        # ones; it is the one that speaks WS-Trust.
        warnings.simplefilter("ignore")
        app = msal.PublicClientApplication(
            "00000000-0000-0000-0000-000000000001", authority=AAD + "/common",
            http_client=http, instance_discovery=False)
        result = app.acquire_token_by_username_password(
            args.user, args.password, scopes=["User.Read"])
    out = {"result_keys": sorted(result), "aad_requests": http.aad_requests,
           "error": result.get("error"), "grant_type": None, "assertion": None}
    if http.grant:
        out["grant_type"] = http.grant.get("grant_type")
        a = http.grant.get("assertion")
        if isinstance(a, str):
            a = a.encode()
        if a is not None:
            a += b"=" * (-len(a) % 4)
            out["assertion"] = base64.urlsafe_b64decode(a).decode("utf-8")
    return out


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

    out["public_api"] = public_api(args)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
