// Who is signed in: the token (localStorage), the agent it belongs to, sign-in and sign-out.
//
// Contract: POST /auth/login {email, password} → {token, agent}; GET /auth/me → {agent | null};
// POST /auth/logout revokes the token on the server (signing out calls it, then forgets the token).
// An API token made with `waflow token create` also works (its agent is null).

import { t } from "./words/frame";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { api, ApiError, getToken, onUnauthorized, setToken } from "../api/client";
import type { Agent } from "../api/types";

interface AuthState {
  status: "checking" | "signed_out" | "signed_in";
  agent: Agent | null;
  /** Why the last session ended, if it ended by itself. */
  notice: string | null;
  login: (email: string, password: string) => Promise<void>;
  /** Signs in with a token the server already gave (the first owner's, from POST /setup). */
  enter: (token: string, agent: Agent) => void;
  /** Revokes the token on the server (a failure is ignored), then forgets it here. */
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<AuthState["status"]>(getToken() ? "checking" : "signed_out");
  const [agent, setAgent] = useState<Agent | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** Forgets the token in the browser only. */
  const forget = useCallback(() => {
    setToken(null);
    setAgent(null);
    setStatus("signed_out");
  }, []);

  // While signing out, a 401 from the logout call itself is no "session ended" notice.
  const signingOut = useRef(false);

  const logout = useCallback(async () => {
    if (getToken()) {
      signingOut.current = true;
      try {
        await api.post("/auth/logout");
      } catch {
        // Already revoked or expired, or the server is unreachable: forget the token anyway.
      } finally {
        signingOut.current = false;
      }
    }
    setNotice(null);
    forget();
  }, [forget]);

  useEffect(() => {
    onUnauthorized(() => {
      if (signingOut.current) return;
      setNotice(t("login.sessionEnded"));
      forget();
    });
    return () => onUnauthorized(null);
  }, [forget]);

  useEffect(() => {
    if (status !== "checking") return;
    let cancelled = false;
    api
      .get<{ agent: Agent | null }>("/auth/me")
      .then((me) => {
        if (cancelled) return;
        setAgent(me.agent);
        setStatus("signed_in");
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        // A server without /auth/me yet still accepts the token for everything else.
        if (e instanceof ApiError && e.status === 404) setStatus("signed_in");
        else if (e instanceof ApiError && e.status === 401) forget();
        else setStatus("signed_in");
      });
    return () => {
      cancelled = true;
    };
  }, [status, forget]);

  const enter = useCallback((token: string, signedIn: Agent) => {
    setToken(token);
    setAgent(signedIn);
    setNotice(null);
    setStatus("signed_in");
  }, []);

  const login = useCallback(
    async (email: string, password: string) => {
      const answer = await api.post<{ token: string; agent: Agent }>("/auth/login", { email, password });
      enter(answer.token, answer.agent);
    },
    [enter],
  );

  const value = useMemo(() => ({ status, agent, notice, login, enter, logout }), [status, agent, notice, login, enter, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}
