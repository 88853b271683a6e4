// A Cloudflare-Worker-style URL signer, run by Node with Web Crypto: the code path AudioDN's agent kit
// documents for signed delivery. HMAC-SHA256 over pathname + search + issued; `verify=<issued>-<base64url>`
// appended last. Usage: node worker_sign.mjs URL SECRET [ISSUED_UNIX_SECONDS]
const [url, secret, issuedArg] = process.argv.slice(2);

async function signUrl(target, key, issued) {
  const u = new URL(target);
  const hmacKey = await crypto.subtle.importKey(
    'raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(u.pathname + u.search + issued));
  const b64 = btoa(String.fromCharCode(...new Uint8Array(mac)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${target}${u.search ? '&' : '?'}verify=${issued}-${b64}`;
}

const issued = issuedArg ? Number(issuedArg) : Math.floor(Date.now() / 1000);
console.log(await signUrl(url, secret, issued));
