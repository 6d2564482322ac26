import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

/** Where the API key is kept: this browser tab's session storage, never a cookie. */
const storageKey = "trainyard.apiKey";

/** What the app knows about who is signed in. */
export interface Auth {
  /** The API key, or "" before sign-in. */
  apiKey: string;
  /** Stores a key that GetCurrentUser accepted. */
  signIn: (key: string) => void;
  /** Forgets the key; notice, when given, tells the sign-in page why. */
  signOut: (notice?: string) => void;
  /** Why the person was signed out without asking ("" after a sign-out of their own). */
  notice: string;
}

const AuthContext = createContext<Auth | null>(null);

/** Provides the signed-in key to the app; the key survives a reload of the tab. */
export function AuthProvider({ children, initialKey }: { children: ReactNode; initialKey?: string }) {
  const [apiKey, setKey] = useState<string>(() => initialKey ?? readKey());
  const [notice, setNotice] = useState("");
  const signIn = useCallback((key: string) => {
    try {
      sessionStorage.setItem(storageKey, key);
    } catch {
      // Storage can be disabled; the key then lasts until the tab closes.
    }
    setNotice("");
    setKey(key);
  }, []);
  const signOut = useCallback((why?: string) => {
    setNotice(typeof why === "string" ? why : "");
    try {
      sessionStorage.removeItem(storageKey);
    } catch {
      // nothing stored
    }
    setKey("");
  }, []);
  const value = useMemo(() => ({ apiKey, signIn, signOut, notice }), [apiKey, signIn, signOut, notice]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

function readKey(): string {
  try {
    return sessionStorage.getItem(storageKey) ?? "";
  } catch {
    return "";
  }
}

/** Returns the current sign-in state. */
export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error("useAuth outside AuthProvider");
  return a;
}
