import { lazy, Suspense, useMemo, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TransportProvider, useQuery } from "@connectrpc/connect-query";
import { Box, Button, Link, Typography } from "@mui/material";
import { ApiKeyService } from "@trainyard/client";
import { useAuth } from "./lib/auth";
import { apiTransport } from "./lib/transport";
import { matchPath, useLinkClick, useRouter } from "./lib/router";
import { Main, PageLoading, TopBar } from "./components/Layout";

// Each page is its own chunk, fetched the first time it is shown.
const ProjectsPage = lazy(() => import("./pages/Projects").then((m) => ({ default: m.ProjectsPage })));
const NewProjectPage = lazy(() => import("./pages/NewProject").then((m) => ({ default: m.NewProjectPage })));
const ProjectPage = lazy(() => import("./pages/Project").then((m) => ({ default: m.ProjectPage })));
const ApiKeysPage = lazy(() => import("./pages/ApiKeys").then((m) => ({ default: m.ApiKeysPage })));

/** The signed-in app: the data layer on the SDK's generated client, navigation, and the pages. */
export function SignedIn() {
  const { apiKey, signOut } = useAuth();
  // A new key is a new user: start from an empty cache.
  const queryClient = useMemo(
    () => new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 } } }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [apiKey],
  );
  // A revoked key or an expired Google session: back to sign-in, saying why.
  const transport = useMemo(
    () => apiTransport(apiKey, () => signOut("You were signed out: the server no longer accepts this key or session (revoked, or the sign-in expired). Sign in again.")),
    [apiKey, signOut],
  );
  return (
    <TransportProvider transport={transport}>
      <QueryClientProvider client={queryClient}>
        <TopBar>
          <Box component="nav" aria-label="Main" sx={{ display: "flex", gap: 1, flex: 1 }}>
            <NavLink to="/">Projects</NavLink>
            <NavLink to="/new">New project</NavLink>
            <NavLink to="/api-keys">API keys</NavLink>
          </Box>
          <CurrentUser />
          <Button color="inherit" variant="outlined" size="small" onClick={() => signOut()} sx={{ ml: 1, borderColor: "rgba(255,255,255,.6)" }}>
            Sign out
          </Button>
        </TopBar>
        <Main>
          <Suspense fallback={<PageLoading />}>
            <Routes />
          </Suspense>
        </Main>
      </QueryClientProvider>
    </TransportProvider>
  );
}

function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const { path } = useRouter();
  const onClick = useLinkClick(to);
  const active = to === "/" ? path === "/" || path.startsWith("/projects") : path.startsWith(to);
  return (
    <Button href={to} onClick={onClick} color="inherit" aria-current={active ? "page" : undefined} sx={{ opacity: active ? 1 : 0.85, borderBottom: active ? "2px solid #fff" : "2px solid transparent", borderRadius: 0 }}>
      {children}
    </Button>
  );
}

function CurrentUser() {
  const me = useQuery(ApiKeyService.method.getCurrentUser, {}, { staleTime: Infinity });
  if (!me.data) return null;
  return (
    <Typography variant="body2" sx={{ opacity: 0.95 }} aria-label="Signed in as">
      {me.data.displayName || me.data.email}
    </Typography>
  );
}

function Routes() {
  const { path } = useRouter();
  if (path === "/" || path === "/projects") return <ProjectsPage />;
  if (path === "/new") return <NewProjectPage />;
  if (path === "/api-keys") return <ApiKeysPage />;
  const p = matchPath("/projects/:id", path);
  if (p) return <ProjectPage id={p.id} />;
  return <NotFound />;
}

function NotFound() {
  const home = useLinkClick("/");
  return (
    <Box>
      <Typography variant="h4" component="h1" gutterBottom>
        Page not found
      </Typography>
      <Link href="/" onClick={home}>
        Back to your projects
      </Link>
    </Box>
  );
}
