import type { ReactNode } from "react";
import { AppBar, Container, LinearProgress, Link, Toolbar, Typography } from "@mui/material";
import { useLinkClick } from "../lib/router";

/** The page's main landmark, the target of the skip link. */
export function Main({ children }: { children: ReactNode }) {
  return (
    <Container component="main" id="main" maxWidth="lg" sx={{ py: 4, flex: 1 }}>
      {children}
    </Container>
  );
}

/** Shown while a page's code loads. */
export function PageLoading() {
  return <LinearProgress aria-label="Loading the page" sx={{ mt: 2 }} />;
}

/** The app bar: the brand, and whatever the signed-in app puts after it. */
export function TopBar({ children }: { children?: ReactNode }) {
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
        {children}
      </Toolbar>
    </AppBar>
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
