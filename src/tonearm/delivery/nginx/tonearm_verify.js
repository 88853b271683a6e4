// Tonearm's delivery URL check, inside nginx (njs 0.7+). docs/deploy.md, "nginx verifies".
//
// The same rules as tonearm/delivery/signing.py `verify_path` with urls.py `UrlSigner.verify`:
// `verify=<issued>-<b64url HMAC-SHA256(secret, path + search + issued)>` last in the raw query,
// tried with the current delivery subkey, then the previous one (a rotation); issued at most
// 300 s ahead of this clock; `expires` required, digits, not past.
//
// The script only ever says "nginx may send this file itself". Anything else (a bad, expired or
// missing signature, a URL an organization's URL Signing key made, an odd but maybe valid
// spelling such as a zero-padded number or a broken %-escape, a file not on disk) sends the
// request to Tonearm unchanged: the listener gets Tonearm's own answer (its JSON 403/404
// envelope, the bitrate paths it looks up in the database), and nothing is decided two ways.
//
// nginx maps the name to the object key (the regex locations tonearm/delivery/nginx writes, after
// storage/keys.py) and calls `verdict` once per request (js_set $tonearm_refused): "" when the URL
// is good, else a folder name no storage key starts with, so that try_files misses and falls to
// Tonearm. For a good URL it also sets $tonearm_cache_control and $tonearm_disposition (js_var).
// The subkeys are $tonearm_delivery_key and $tonearm_delivery_key_previous (js_var, written by
// `tonearm nginx-secrets`). njs 0.7 interprets every operation (a regex test costs about as much
// as an HMAC), so the common case takes the few cheapest steps and odd spellings go to Tonearm.

var crypto = require('crypto');

var MAX_CLOCK_SKEW = 300;
var REFUSED = '/.tonearm-refused';

function mac(secret, message) {
    return crypto.createHmac('sha256', secret).update(message).digest('base64url');
}

// Equal strings without an early exit on what only the secret knows: both are hashed first, so
// how long `===` takes says something about two digests, never about the expected signature.
function same(expected, given) {
    return crypto.createHash('sha256').update(expected).digest('base64')
        === crypto.createHash('sha256').update(given).digest('base64');
}

// The integer spelled by `s` in plain ASCII digits with no leading zero, or -1 (Tonearm decides
// the rest: "007" is digits for Python, but no URL Tonearm signs spells a number that way).
function number(s, maxLength) {
    if (s.length === 0 || s.length > maxLength) {
        return -1;
    }
    var n = parseInt(s, 10);
    return String(n) === s ? n : -1;
}

// urllib.parse.unquote_plus of a name or value; null where Python would have to guess (a broken
// %-escape, bytes that are not UTF-8): Tonearm answers those itself.
function unquote(s) {
    try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch (e) {
        return null;
    }
}

// dict(parse_qsl(search, keep_blank_values=True)): the last value of a name wins.
function parseQuery(search) {
    var params = Object.create(null);  // a name such as __proto__ is just a name
    var plain = search.indexOf('%') < 0 && search.indexOf('+') < 0;  // Tonearm's play URLs: nothing to decode
    var pieces = search.split('&');
    for (var i = 0; i < pieces.length; i++) {
        var piece = pieces[i];
        if (!piece) {
            continue;
        }
        var eq = piece.indexOf('=');
        var name = eq < 0 ? piece : piece.slice(0, eq);
        var value = eq < 0 ? '' : piece.slice(eq + 1);
        if (!plain) {
            name = unquote(name);
            value = unquote(value);
            if (name === null || value === null) {
                return null;
            }
        }
        params[name] = value;
    }
    return params;
}

// The signed parameters of path?raw under one of `keys`, or null: within UrlSigner.verify's accept set.
function signedParams(keys, path, raw, now) {
    var search, verify;
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
    if (dash < 1) {
        return null;
    }
    var issued = verify.slice(0, dash);
    var sig = verify.slice(dash + 1);
    var issuedAt = number(issued, 12);
    if (issuedAt < 0 || sig.length === 0 || sig.length > 64 || issuedAt > now + MAX_CLOCK_SKEW) {
        return null;
    }
    var message = path + search + issued;
    var matched = false;
    for (var i = 0; i < keys.length && !matched; i++) {
        matched = same(mac(keys[i], message), sig);
    }
    if (!matched) {
        return null;
    }
    var params = search ? parseQuery(search.slice(1)) : Object.create(null);
    if (params === null || params.expires === undefined || number(params.expires, 15) < now) {
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
    var v = r.variables;
    if (r.method !== 'GET' && r.method !== 'HEAD') {
        return false;
    }
    // The raw query goes into the HMAC as nginx has it. Python reads non-ASCII bytes as Latin-1
    // first; no matter: a match needs the exact bytes Tonearm signed, and those are always ASCII
    // (urlencode), so a query with other bytes never matches here and goes to Tonearm.
    var keys = v.tonearm_delivery_key_previous
        ? [v.tonearm_delivery_key, v.tonearm_delivery_key_previous] : [v.tonearm_delivery_key];
    var now = Date.now() / 1000;
    var path = r.uri;
    var params = signedParams(keys, path, v.args || '', now);
    if (params === null) {
        return false;
    }
    v.tonearm_cache_control = 'private, max-age=' + Math.max(0, Math.min(86400, Number(params.expires) - Math.floor(now)));
    if (params.download === '1') {
        v.tonearm_disposition = disposition(params.filename || path.slice(3));
    }
    return true;
}

function verdict(r) {
    try {
        return check(r) ? '' : REFUSED;
    } catch (e) {
        r.error('tonearm_verify: ' + e);
        return REFUSED;
    }
}

export default {verdict};
