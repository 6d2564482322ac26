import { lazy, Suspense } from "react";
import { Box, CssBaseline } from "@mui/material";
import { ThemeProvider } from "@mui/material/styles";
import { theme } from "./theme";
import { AuthProvider, useAuth } from "./lib/auth";
import { RouterProvider } from "./lib/router";
import { Main, PageLoading, TopBar } from "./components/Layout";
import { SignIn } from "./pages/SignIn";

// The first load carries only what the sign-in page needs. The signed-in app (the data layer,
// the Protobuf and Connect runtimes, the pages) is a separate chunk, and each page is split
// further in SignedIn.
const SignedIn = lazy(() => import("./SignedIn").then((m) => ({ default: m.SignedIn })));

/** The whole app: theme, sign-in state, and the signed-in app once there is a key. */
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
  const { apiKey } = useAuth();
  return (
    <Box sx={{ minHeight: "100vh", display: "flex", flexDirection: "column" }}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {apiKey ? (
        <Suspense
          fallback={
            <>
              <TopBar />
              <Main>
                <PageLoading />
              </Main>
            </>
          }
        >
          <SignedIn />
        </Suspense>
      ) : (
        <>
          <TopBar />
          <Main>
            <SignIn />
          </Main>
        </>
      )}
    </Box>
  );
}
