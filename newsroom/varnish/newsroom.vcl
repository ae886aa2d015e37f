# Varnish 7 in front of the Newsroom app servers, purged exactly by surrogate keys (xkey vmod,
# Debian's varnish-modules). README "A shared HTTP cache in front (Varnish)".
#
# The app names on every public page what it shows (`xkey: explainer-7 quote-12 source-3 lists
# site ...`) and how long a shared cache may keep it (`Surrogate-Control: max-age=86400`); when a
# change commits, a task sends `PURGE /` with the keys it touched in `xkey-purge` to every
# Varnish in NEWSROOM_VARNISH_URLS (newsroom/core/purge.py).
#
# `python -m newsroom.varnish` prints this file with the backend and the purgers filled in from
# NEWSROOM_VARNISH_BACKEND and NEWSROOM_VARNISH_PURGE_ACL.
vcl 4.1;

import std;
import xkey;

backend default {
    .host = "127.0.0.1";  # newsroom:backend-host
    .port = "8000";  # newsroom:backend-port
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
}

# Who may purge: this machine, and the app servers and task workers (NEWSROOM_VARNISH_PURGE_ACL).
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
    # newsroom:purgers
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys to purge in the xkey-purge header"));
        }
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Editors (a session), the admin, previews and partners (a key) are never served from here.
    if (req.url ~ "^/(admin|preview)/" || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    if (req.http.Authorization || req.http.X-Api-Key) {
        return (pass);
    }
    # Tracking parameters never make an object of their own (the app drops the same ones:
    # newsroom/core/pagecache.py TRACKING_PARAMETERS); the others keep their order.
    if (req.url ~ "[?&](utm_[^=&]*|fbclid|gclid|mc_cid|mc_eid|_ga)(=|&|$)") {
        set req.url = regsuball(
            req.url, "(?<=[?&])(utm_[^=&]*|fbclid|gclid|mc_cid|mc_eid|_ga)(=[^&]*)?(&|$)", "");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    # Public pages are the same for everyone: no cookie makes a variant.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_synth {
    if (req.method == "PURGE" && resp.status == 200) {
        set resp.http.X-Purged = req.http.X-Purged;
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = "Purged " + req.http.X-Purged + " objects" + {"
"};
        return (deliver);
    }
}

sub vcl_backend_response {
    # Only what the app says any cache may keep: 200s with `Cache-Control: public`.
    if (beresp.status != 200 || beresp.http.Cache-Control !~ "(^|[ ,])public($|[ ,])"
            || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }
    # The app lets browsers keep a page a minute (Cache-Control) and this cache far longer
    # (Surrogate-Control: purges keep it exact; never past a scheduled story's time). A page
    # rendered while a change committed says max-age=0: it is not kept.
    if (beresp.http.Surrogate-Control ~ "max-age=[0-9]+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
        unset beresp.http.Surrogate-Control;
    }
    if (beresp.ttl <= 0s) {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        return (deliver);
    }
    set beresp.grace = 10s;
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The keys are this cache's business; a CDN in front of it reads Surrogate-Key.
    unset resp.http.xkey;
}
