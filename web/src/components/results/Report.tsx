import { useQuery } from "@tanstack/react-query";
import { Alert, Skeleton } from "@mui/material";
import { useAuth } from "../../lib/auth";
import { fetchFile, HttpError } from "../../lib/files";

/** The model's HTML report, fetched with the key and shown in a sandboxed frame (no scripts). */
export function Report({ modelId }: { modelId: string }) {
  const { apiKey } = useAuth();
  const q = useQuery({
    queryKey: ["report", modelId],
    queryFn: async () => (await fetchFile(apiKey, `/api/v1/models/${modelId}/report`)).blob.text(),
    staleTime: Infinity,
    // A missing report stays missing until the project completes again: asking twice only adds noise.
    retry: (n, e) => !(e instanceof HttpError && e.status < 500) && n < 1,
  });
  if (q.error) return <Alert severity="warning">The report is not available: {q.error.message}</Alert>;
  if (!q.data) return <Skeleton variant="rounded" height={480} />;
  return <iframe title="Model report" srcDoc={q.data} sandbox="" style={{ width: "100%", height: 720, border: "1px solid #d5dad5", borderRadius: 8, background: "#fff" }} />;
}
