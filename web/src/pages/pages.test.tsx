import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { ApiKeyService } from "@gen/trainyard/v1/api_key_service_pb.js";
import { UserSchema } from "@gen/trainyard/v1/api_key_pb.js";
import { AuthProvider, useAuth } from "../lib/auth";
import { SignIn } from "./SignIn";

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
        <SignIn transportFor={s.transportFor} />
      </AuthProvider>,
    );
    const field = screen.getByLabelText(/API key/);
    expect(field.getAttribute("type")).toBe("password");
    expect(field.closest("form")).not.toBeNull();
    fireEvent.change(field, { target: { value: "typing" } });
    expect(s.calls).toEqual([]);
  });

  it("refuses a wrong key and keeps a right one", async () => {
    const s = server("good");
    render(
      <AuthProvider initialKey="">
        <SignIn transportFor={s.transportFor} />
        <KeyShown />
      </AuthProvider>,
    );
    const field = screen.getByLabelText(/API key/);
    fireEvent.change(field, { target: { value: "bad" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByText(/That key was not accepted/);
    expect(screen.getByLabelText("signed-in key").textContent).toBe("");
    fireEvent.change(field, { target: { value: " good " } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByLabelText("signed-in key").textContent).toBe("good"));
    expect(s.calls).toEqual(["bad", "good"]);
  });
});
