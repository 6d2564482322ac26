import { useMemo, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TransportProvider, useQuery } from "@connectrpc/connect-query";
import { AppBar, Box, Button, Container, CssBaseline, Link, Toolbar, Typography } from "@mui/material";
import { ThemeProvider } from "@mui/material/styles";
import { ApiKeyService } from "@gen/trainyard/v1/api_key_service_pb.js";
import { theme } from "./theme";
import { AuthProvider, useAuth } from "./lib/auth";
import { apiTransport } from "./lib/transport";
import { RouterProvider, matchPath, useLinkClick, useRouter } from "./lib/router";
import { SignIn } from "./pages/SignIn";
import { ProjectsPage } from "./pages/Projects";
import { NewProjectPage } from "./pages/NewProject";
import { ProjectPage } from "./pages/Project";
import { ApiKeysPage } from "./pages/ApiKeys";

/** The whole app: theme, sign-in state, data layer, routes. */
export function App() {
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <AuthProvider>
        <RouterProvider>
          <Shell />
        </RouterProvider>
      </AuthProvider>
    </ThemeProvider>
  );
}

function Shell() {
  const { apiKey, signOut } = useAuth();
  const queryClient = useMemo(
    () => new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 } } }),
    // A new key is a new user: start from an empty cache.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [apiKey],
  );
  const transport = useMemo(() => apiTransport(apiKey, signOut), [apiKey, signOut]);
  return (
    <Box sx={{ minHeight: "100vh", display: "flex", flexDirection: "column" }}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {apiKey ? (
        <TransportProvider transport={transport}>
          <QueryClientProvider client={queryClient}>
            <TopBar signedIn onSignOut={signOut} />
            <Main>
              <Routes />
            </Main>
          </QueryClientProvider>
        </TransportProvider>
      ) : (
        <>
          <TopBar signedIn={false} />
          <Main>
            <SignIn />
          </Main>
        </>
      )}
    </Box>
  );
}

function Main({ children }: { children: ReactNode }) {
  return (
    <Container component="main" id="main" maxWidth="lg" sx={{ py: 4, flex: 1 }}>
      {children}
    </Container>
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

function TopBar({ signedIn, onSignOut }: { signedIn: boolean; onSignOut?: () => void }) {
  const home = useLinkClick("/");
  return (
    <AppBar position="static" elevation={0}>
      <Toolbar sx={{ gap: 1 }}>
        <Link href="/" onClick={home} color="inherit" underline="none" sx={{ display: "flex", alignItems: "center", gap: 1, mr: 3 }}>
          <Logo />
          <Typography component="span" variant="h6" sx={{ fontWeight: 700, letterSpacing: 0.3 }}>
            Trainyard
          </Typography>
        </Link>
        {signedIn && (
          <Box component="nav" aria-label="Main" sx={{ display: "flex", gap: 1, flex: 1 }}>
            <NavLink to="/">Projects</NavLink>
            <NavLink to="/new">New project</NavLink>
            <NavLink to="/api-keys">API keys</NavLink>
          </Box>
        )}
        {signedIn && <CurrentUser />}
        {signedIn && (
          <Button color="inherit" variant="outlined" size="small" onClick={onSignOut} sx={{ ml: 1, borderColor: "rgba(255,255,255,.6)" }}>
            Sign out
          </Button>
        )}
      </Toolbar>
    </AppBar>
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

function Logo() {
  return (
    <svg width="28" height="28" viewBox="0 0 16 16" aria-hidden="true">
      <rect width="16" height="16" rx="3" fill="#fff" fillOpacity="0.18" />
      <path d="M3 11h10M5 5v6M11 5v6M3 5h10" stroke="#fff" strokeWidth="1.5" fill="none" />
    </svg>
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
