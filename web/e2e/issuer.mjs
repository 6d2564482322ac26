// A local OpenID Connect issuer for the Google sign-in browser test: the discovery document and
// the JSON Web Key Set of an RSA key made at start, and ID tokens signed with it, shaped like
// Google's (iss, aud, sub, email, email_verified, name, iat, exp).
import { createServer } from "node:http";
import { createSign, generateKeyPairSync, randomUUID } from "node:crypto";

const b64url = (b) => Buffer.from(b).toString("base64url");

/** Starts the issuer on a free loopback port; returns its URL, a token maker and stop. */
export async function startIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
  let url = "";
  const srv = createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    if (req.url === "/.well-known/openid-configuration") {
      return res.end(
        JSON.stringify({
          issuer: url,
          authorization_endpoint: `${url}/auth`,
          token_endpoint: `${url}/token`,
          jwks_uri: `${url}/jwks`,
          response_types_supported: ["id_token"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
        }),
      );
    }
    if (req.url === "/jwks") return res.end(JSON.stringify({ keys: [jwk] }));
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${srv.address().port}`;
  return {
    url,
    /** An ID token for audience clientId with claims over the defaults. */
    token(clientId, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
      const body = b64url(
        JSON.stringify({ iss: url, aud: clientId, sub: "104729", email: "ada@example.com", email_verified: true, name: "Ada Lovelace", iat: now, exp: now + 600, ...claims }),
      );
      const sig = createSign("RSA-SHA256").update(`${head}.${body}`).sign(privateKey);
      return `${head}.${body}.${b64url(sig)}`;
    },
    stop: () => new Promise((r) => srv.close(() => r())),
  };
}
