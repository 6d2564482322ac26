import { createTheme } from "@mui/material/styles";

/** The app's theme: calm colors with text contrast of at least 4.5:1 on its backgrounds. */
export const theme = createTheme({
  palette: {
    mode: "light",
    primary: { main: "#1b5e20" },
    secondary: { main: "#4527a0" },
    // Darker than MUI's defaults so white chip text keeps a 4.5:1 contrast.
    info: { main: "#0b5c8c" },
    warning: { main: "#a84f00" },
    background: { default: "#f6f7f5", paper: "#ffffff" },
    text: { primary: "#1c1f1c", secondary: "#4a514a" },
  },
  shape: { borderRadius: 8 },
  typography: {
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    h4: { fontWeight: 600, fontSize: "1.75rem" },
    h5: { fontWeight: 600, fontSize: "1.35rem" },
    h6: { fontWeight: 600, fontSize: "1.1rem" },
  },
  components: {
    MuiCssBaseline: {
      styleOverrides: {
        ".skip-link": { position: "absolute", left: -9999, top: 8, zIndex: 2000, background: "#fff", color: "#1b5e20", padding: "8px 12px", borderRadius: 4 },
        ".skip-link:focus": { left: 8 },
        ".visually-hidden": { position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap" },
      },
    },
    MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { textTransform: "none", fontWeight: 600 } } },
    MuiPaper: { defaultProps: { variant: "outlined" } },
    MuiTab: { styleOverrides: { root: { textTransform: "none", fontWeight: 600 } } },
  },
});
