import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { ApiKeySchema, ApiKeyService, UserSchema } from "@trainyard/client";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AuthProvider, useAuth } from "../lib/auth";
import type { GoogleIdentity } from "../lib/google";
import { SignIn } from "./SignIn";
import { stopped } from "./ApiKeys";

// A real HTTP server standing in for Trainyard's public sign-in routes: GET /api/v1/auth/config
// answers the client ID in `clientId`, POST /api/v1/auth/google exchanges the ID token
// "google-id-token" for a session token and refuses any other.
let http: Server;
let base = "";
let clientId = "";
const exchanged: string[] = [];
let configReads = 0;

beforeAll(async () => {
  http = createServer((req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "content-type, accept");
    if (req.method === "OPTIONS") return res.end();
    res.setHeader("Content-Type", "application/json");
    if (req.method === "GET" && req.url === "/api/v1/auth/config") {
      configReads++;
      return res.end(JSON.stringify({ googleClientId: clientId }));
    }
    if (req.method === "POST" && req.url === "/api/v1/auth/google") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const { idToken } = JSON.parse(body) as { idToken: string };
        exchanged.push(idToken);
        if (idToken !== "google-id-token") {
          res.statusCode = 401;
          return res.end(JSON.stringify({ code: 16, message: "the ID token was not accepted" }));
        }
        res.end(JSON.stringify({ sessionToken: "head.claims.sig", expiresAt: "2030-01-01T00:00:00Z", email: "ada@example.com", role: "member" }));
      });
      return;
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(() => {
  http.closeAllConnections();
  http.close();
});

/**
 * Stands in for Google Identity Services (the real one needs Google's servers): renderButton
 * draws a button that answers the ID token it is given, as Google's popup would.
 */
function fakeGoogle(credential: string) {
  const inits: string[] = [];
  let callback: (r: { credential: string }) => void = () => {};
  const id: GoogleIdentity = {
    initialize(o) {
      inits.push(o.client_id);
      callback = o.callback;
    },
    renderButton(parent) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Sign in with Google";
      b.onclick = () => callback({ credential });
      parent.appendChild(b);
    },
  };
  let loads = 0;
  return {
    inits,
    loads: () => loads,
    load: () => {
      loads++;
      return Promise.resolve(id);
    },
  };
}

/** An in-memory Connect server that knows one key, and records every call. */
function server(goodKey: string) {
  const calls: string[] = [];
  const transportFor = (key: string) =>
    createRouterTransport(({ service }) => {
      service(ApiKeyService, {
        getCurrentUser() {
          calls.push(key);
          if (key !== goodKey) throw new ConnectError("unknown API key", Code.Unauthenticated);
          return create(UserSchema, { email: "ada@example.com" });
        },
      });
    });
  return { calls, transportFor };
}

function KeyShown() {
  const { apiKey } = useAuth();
  return <output aria-label="signed-in key">{apiKey}</output>;
}

describe("SignIn", () => {
  it("asks for the key in a password field in a form, and sends nothing before submit", () => {
    const s = server("good");
    render(
      <AuthProvider initialKey="">
        <SignIn baseUrl={base} transportFor={s.transportFor} />
      </AuthProvider>,
    );
    const field = screen.getByLabelText(/^API key/);
    expect(field.getAttribute("type")).toBe("password");
    expect(field.closest("form")).not.toBeNull();
    fireEvent.change(field, { target: { value: "typing" } });
    expect(s.calls).toEqual([]);
  });

  it("refuses a wrong key and keeps a right one", async () => {
    const s = server("good");
    render(
      <AuthProvider initialKey="">
        <SignIn baseUrl={base} transportFor={s.transportFor} />
        <KeyShown />
      </AuthProvider>,
    );
    const field = screen.getByLabelText(/^API key/);
    fireEvent.change(field, { target: { value: "bad" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    // The first submit also loads the key check (the Connect client), which the page imports lazily.
    await screen.findByText(/That key was not accepted/, {}, { timeout: 10_000 });
    expect(screen.getByLabelText("signed-in key").textContent).toBe("");
    fireEvent.change(field, { target: { value: " good " } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByLabelText("signed-in key").textContent).toBe("good"), { timeout: 5_000 });
    expect(s.calls).toEqual(["bad", "good"]);
  });

  it("offers Google only when the server is configured for it", async () => {
    clientId = "";
    configReads = 0;
    const g = fakeGoogle("google-id-token");
    render(
      <AuthProvider initialKey="">
        <SignIn baseUrl={base} loadGoogle={g.load} />
      </AuthProvider>,
    );
    // Once the page has read the config and settled, nothing of Google's was loaded.
    await waitFor(() => expect(configReads).toBe(1));
    await act(() => new Promise((r) => setTimeout(r, 100)));
    expect(screen.getByRole("button", { name: "Sign in" })).toBeTruthy();
    expect(screen.queryByRole("group", { name: "Sign in with Google" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Sign in with Google" })).toBeNull();
    expect(g.loads()).toBe(0);
  });

  it("exchanges a Google sign-in for a session token and keeps it like a key", async () => {
    clientId = "client-1.apps.example.com";
    exchanged.length = 0;
    const g = fakeGoogle("google-id-token");
    render(
      <AuthProvider initialKey="">
        <SignIn baseUrl={base} loadGoogle={g.load} />
        <KeyShown />
      </AuthProvider>,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Sign in with Google" }));
    await waitFor(() => expect(screen.getByLabelText("signed-in key").textContent).toBe("head.claims.sig"));
    expect(g.inits).toEqual(["client-1.apps.example.com"]);
    expect(exchanged).toEqual(["google-id-token"]);
    // The API key form stays for people without a Google account here.
    expect(screen.getByLabelText(/^API key/).getAttribute("type")).toBe("password");
  });

  it("says so when the server refuses the Google account", async () => {
    clientId = "client-1.apps.example.com";
    const g = fakeGoogle("someone-else");
    render(
      <AuthProvider initialKey="">
        <SignIn baseUrl={base} loadGoogle={g.load} />
        <KeyShown />
      </AuthProvider>,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Sign in with Google" }));
    await screen.findByText(/Google sign-in was not accepted/);
    expect(screen.getByLabelText("signed-in key").textContent).toBe("");
  });

  it("says why when the app signed the person out, and not after their own sign-out", async () => {
    function Gate({ why }: { why?: string }) {
      const { apiKey, signOut } = useAuth();
      return apiKey ? (
        <button type="button" onClick={() => signOut(why)}>
          leave
        </button>
      ) : (
        <SignIn baseUrl={base} />
      );
    }
    render(
      <AuthProvider initialKey="k1">
        <Gate why="You were signed out: the key was revoked." />
      </AuthProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "leave" }));
    expect((await screen.findByRole("status")).textContent).toMatch(/the key was revoked/);
    cleanup();
    render(
      <AuthProvider initialKey="k1">
        <Gate />
      </AuthProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "leave" }));
    await screen.findByRole("heading", { name: "Sign in" });
    expect(screen.queryByRole("status")).toBeNull();
  });
});

describe("API keys", () => {
  it("counts a key as stopped once its expiry (a revoke time for revoked keys) has passed", () => {
    const now = Date.UTC(2026, 10, 25, 12);
    expect(stopped(create(ApiKeySchema, {}), now)).toBe(false);
    expect(stopped(create(ApiKeySchema, { expireTime: timestampFromMs(now + 60_000) }), now)).toBe(false);
    expect(stopped(create(ApiKeySchema, { expireTime: timestampFromMs(now - 1) }), now)).toBe(true);
  });
});
