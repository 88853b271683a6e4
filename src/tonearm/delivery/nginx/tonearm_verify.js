// Tonearm's delivery URL check, inside nginx (njs 0.7+). docs/deploy.md, "nginx verifies".
//
// The same rules as tonearm/delivery/signing.py `verify_path` with urls.py `UrlSigner.verify`:
// `verify=<issued>-<b64url HMAC-SHA256(secret, path + search + issued)>` last in the raw query,
// tried with the current delivery subkey, then the previous one (a rotation); issued at most
// 300 s ahead of this clock; `expires` required, digits, not past.
//
// This script only ever says "nginx may send this file itself". Anything else (a bad, expired or
// missing signature, a URL an organization's URL Signing key made, a name this script does not
// map, a file that is not on disk) leaves every variable empty, and the location hands the request
// to Tonearm unchanged: the listener gets Tonearm's own answer (its JSON 403/404 envelope, the
// bitrate paths it looks up in the database) and nothing is decided twice in two ways.
//
// Variables (js_set, nginx-config.conf): $tonearm_file (the object key as "/tracks/…", or ""),
// $tonearm_cache_control, $tonearm_disposition. Secrets come from $tonearm_delivery_keys
// (js_var, written by `tonearm nginx-secrets`): hex subkeys separated by spaces, current first.

var crypto = require('crypto');

var MAX_CLOCK_SKEW = 300;
// storage/keys.py DELIVERY_NAME and COLLECTION_COVER_NAME, with the /d/ prefix
var TRACK_FILE = /^\/d\/([0-9a-f]{16})_([a-z0-9][a-z0-9_-]{0,63})\.([a-z0-9]{1,5})$/;
var COLLECTION_COVER = /^\/d\/c([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})_cover_([a-z0-9]{1,16})\.jpg$/;
var PRINTABLE_ASCII = /^[\x21-\x7e]*$/;
var DIGITS = /^[0-9]+$/;

// njs gives each request its own copy of this module's globals: the verdict is worked out once
// per request, whichever variable asks first, and kept for the others.
var memo = null;

// The object key `key_for_delivery_name` maps a /d/ path to, or null.
function objectKey(path) {
    var m = TRACK_FILE.exec(path);
    if (m) {
        return 'tracks/' + m[1] + '/' + m[2] + '.' + m[3];
    }
    m = COLLECTION_COVER.exec(path);
    if (m) {
        return 'collections/' + [m[1], m[2], m[3], m[4], m[5]].join('-') + '/cover_' + m[6] + '.jpg';
    }
    return null;
}

function mac(secret, message) {
    return crypto.createHmac('sha256', secret).update(message).digest('base64url');
}

// Equal strings, in time that depends on their length only (the expected one's is public).
function same(a, b) {
    if (a.length !== b.length) {
        return false;
    }
    var diff = 0;
    for (var i = 0; i < a.length; i++) {
        diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    }
    return diff === 0;
}

// urllib.parse.unquote_plus for one name or value; null where Python would have to guess
// (a broken %-escape or bytes that are not UTF-8): Tonearm answers those itself.
function unquote(s) {
    try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch (e) {
        return null;
    }
}

// dict(parse_qsl(search, keep_blank_values=True)): the last value of a name wins.
function parseQuery(search) {
    var params = {};
    var pieces = search.split('&');
    for (var i = 0; i < pieces.length; i++) {
        if (!pieces[i]) {
            continue;
        }
        var eq = pieces[i].indexOf('=');
        var name = unquote(eq < 0 ? pieces[i] : pieces[i].slice(0, eq));
        var value = unquote(eq < 0 ? '' : pieces[i].slice(eq + 1));
        if (name === null || value === null) {
            return null;
        }
        params[name] = value;
    }
    return params;
}

// The signed parameters of path?raw under one of `secrets`, or null: UrlSigner.verify's accept set.
function signedParams(secrets, path, raw, now) {
    var search, verify;
    if (raw.indexOf('verify=') < 0) {
        return null;
    }
    if (raw.slice(0, 7) === 'verify=') {
        search = '';
        verify = raw.slice(7);
    } else {
        var at = raw.lastIndexOf('&verify=');
        if (at < 0) {
            return null;
        }
        search = '?' + raw.slice(0, at);
        verify = raw.slice(at + 8);
    }
    var dash = verify.indexOf('-');
    if (dash < 0) {
        return null;
    }
    var issued = verify.slice(0, dash);
    var sig = verify.slice(dash + 1);
    if (!DIGITS.test(issued) || issued.length > 12 || !sig || sig.length > 64) {
        return null;
    }
    var matched = false;
    for (var i = 0; i < secrets.length && !matched; i++) {
        matched = same(mac(secrets[i], path + search + issued), sig);
    }
    if (!matched || Number(issued) > now + MAX_CLOCK_SKEW) {
        return null;
    }
    var params = search ? parseQuery(search.slice(1)) : {};
    if (params === null || params.expires === undefined) {
        return null;
    }
    if (!DIGITS.test(params.expires) || Number(params.expires) < now) {
        return null;
    }
    return params;
}

// delivery/serve.py `_disposition`: an ASCII fallback name (one "_" per character outside
// printable ASCII, and for " and \) and the RFC 5987 UTF-8 name, %-escaped as urllib's quote.
function disposition(filename) {
    var quoted = encodeURIComponent(filename).replace(/[!'()*]/g, function (c) {
        return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
    // Walk the UTF-8 escapes rather than the string: one "_" per lead byte is one per character.
    var ascii = '';
    var tokens = quoted.match(/%[0-9A-F]{2}|[^%]/g) || [];
    for (var i = 0; i < tokens.length; i++) {
        var t = tokens[i];
        var code = t.length === 3 ? parseInt(t.slice(1), 16) : t.charCodeAt(0);
        if (code >= 0x80 && code < 0xc0) {
            continue;  // a UTF-8 continuation byte
        }
        var c = String.fromCharCode(code);
        ascii += (code >= 32 && code < 127 && c !== '"' && c !== '\\') ? c : '_';
    }
    return 'attachment; filename="' + (ascii || 'download') + '"; filename*=UTF-8\'\'' + quoted;
}

function check(r) {
    if (r.method !== 'GET' && r.method !== 'HEAD') {
        return null;
    }
    var path = r.uri;
    var key = objectKey(path);
    var raw = r.variables.args || '';
    if (key === null || !PRINTABLE_ASCII.test(raw)) {
        return null;  // non-ASCII query bytes: Python reads them as Latin-1; let it
    }
    var secrets = (r.variables.tonearm_delivery_keys || '').split(' ').filter(function (s) { return s; });
    var now = Date.now() / 1000;
    var params = signedParams(secrets, path, raw, now);
    if (params === null) {
        return null;
    }
    var maxAge = Math.max(0, Math.min(86400, Number(params.expires) - Math.floor(now)));
    var name = path.slice(3);
    return {
        file: '/' + key,
        cacheControl: 'private, max-age=' + maxAge,
        disposition: params.download === '1' ? disposition(params.filename || name) : '',
    };
}

function verdict(r) {
    var at = r.variables.request_uri;
    if (memo === null || memo.at !== at) {
        var v = null;
        try {
            v = check(r);
        } catch (e) {
            r.error('tonearm_verify: ' + e);
        }
        memo = {at: at, v: v};
    }
    return memo.v;
}

function file(r) {
    var v = verdict(r);
    return v ? v.file : '';
}

function cacheControl(r) {
    var v = verdict(r);
    return v ? v.cacheControl : '';
}

function contentDisposition(r) {
    var v = verdict(r);
    return v ? v.disposition : '';
}

export default {file, cacheControl, contentDisposition};
