import { useEffect, useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { keepPreviousData } from "@tanstack/react-query";
import {
  Alert,
  Box,
  Button,
  InputAdornment,
  Link,
  Paper,
  Skeleton,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { ProjectService, type Project } from "@trainyard/client";
import { formatMetricValue, formatTime, metricName } from "../lib/format";
import { useLinkClick, useRouter } from "../lib/router";
import { StageChip } from "../components/StageChip";

const pageSize = 20;

/** The projects list: state, headline metric and creation time, with search and paging. */
export function ProjectsPage() {
  const [search, setSearch] = useState("");
  const [debounced, setDebounced] = useState("");
  // tokens[i] is the token of page i (page 0 has none).
  const [tokens, setTokens] = useState<string[]>([""]);
  const page = tokens.length - 1;
  useEffect(() => {
    const t = setTimeout(() => {
      setDebounced(search.trim());
      setTokens([""]);
    }, 300);
    return () => clearTimeout(t);
  }, [search]);
  const q = useQuery(
    ProjectService.method.listProjects,
    { pageSize, pageToken: tokens[page], search: debounced },
    { placeholderData: keepPreviousData, refetchInterval: 10_000 },
  );
  const newProject = useLinkClick("/new");
  const projects = q.data?.projects ?? [];

  return (
    <Box>
      <Box sx={{ display: "flex", alignItems: "center", gap: 2, mb: 3, flexWrap: "wrap" }}>
        <Typography variant="h4" component="h1" sx={{ flex: 1 }}>
          Projects
        </Typography>
        <TextField
          size="small"
          label="Search projects"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          sx={{ width: 280 }}
          slotProps={{ input: { startAdornment: <InputAdornment position="start">
                  <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
                    <circle cx="10.5" cy="10.5" r="6.5" stroke="#4a514a" strokeWidth="2" fill="none" />
                    <path d="M15.5 15.5L21 21" stroke="#4a514a" strokeWidth="2" strokeLinecap="round" />
                  </svg>
                </InputAdornment> } }}
        />
        <Button variant="contained" href="/new" onClick={newProject}>
          New project
        </Button>
      </Box>
      {q.error && <Alert severity="error">Could not load projects: {q.error.rawMessage}</Alert>}
      {!q.error && !q.isPending && projects.length === 0 && page === 0 ? (
        <EmptyState searching={!!debounced} />
      ) : (
        <TableContainer component={Paper}>
          <Table aria-label="Projects">
            <TableHead>
              <TableRow>
                <TableCell>Project</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Result</TableCell>
                <TableCell>Created</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {q.isPending
                ? [0, 1, 2].map((i) => (
                    <TableRow key={i}>
                      <TableCell colSpan={4}>
                        <Skeleton />
                      </TableCell>
                    </TableRow>
                  ))
                : projects.map((p) => <ProjectRow key={p.id} p={p} />)}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <Box component="nav" aria-label="Pages" sx={{ display: "flex", justifyContent: "flex-end", alignItems: "center", gap: 2, mt: 2 }}>
        <Typography variant="body2" color="text.secondary">
          Page {page + 1}
        </Typography>
        <Button disabled={page === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous
        </Button>
        <Button disabled={!q.data?.nextPageToken} onClick={() => setTokens([...tokens, q.data!.nextPageToken])}>
          Next
        </Button>
      </Box>
    </Box>
  );
}

function ProjectRow({ p }: { p: Project }) {
  const { navigate } = useRouter();
  const to = `/projects/${p.id}`;
  const onClick = useLinkClick(to);
  const title = p.displayName || p.problemDescription;
  return (
    <TableRow hover sx={{ cursor: "pointer" }} onClick={() => navigate(to)}>
      <TableCell sx={{ maxWidth: 420 }}>
        <Link href={to} onClick={(e) => { e.stopPropagation(); onClick(e); }} sx={{ fontWeight: 600, display: "block", overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
          {title}
        </Link>
        {p.analysis?.targetColumn && (
          <Typography variant="body2" color="text.secondary">
            Predicts “{p.analysis.targetColumn}”
          </Typography>
        )}
      </TableCell>
      <TableCell>
        <StageChip stage={p.currentStage} />
      </TableCell>
      <TableCell>{p.headlineMetric ? `${metricName(p.headlineMetric.name)} ${formatMetricValue(p.headlineMetric.name, p.headlineMetric.value)}` : "—"}</TableCell>
      <TableCell sx={{ whiteSpace: "nowrap" }}>{formatTime(p.createTime)}</TableCell>
    </TableRow>
  );
}

function EmptyState({ searching }: { searching: boolean }) {
  const onClick = useLinkClick("/new");
  return (
    <Paper sx={{ p: 5, textAlign: "center" }}>
      {searching ? (
        <Typography>No project matches that search.</Typography>
      ) : (
        <>
          <Typography variant="h6" component="h2" gutterBottom>
            No projects yet
          </Typography>
          <Typography color="text.secondary" sx={{ mb: 3 }}>
            Upload a table, say what you want to predict, and Trainyard does the rest.
          </Typography>
          <Button variant="contained" href="/new" onClick={onClick}>
            Start your first project
          </Button>
        </>
      )}
    </Paper>
  );
}
