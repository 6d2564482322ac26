import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { create } from "@bufbuild/protobuf";
import { createRouterTransport } from "@connectrpc/connect";
import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { LabelingTaskSchema, LabelingTaskState, PipelineStage, ProjectSchema, ProjectService, type ApproveProjectRequest } from "@trainyard/client";
import { LabelingPanel, labelsProblem, rowLabels } from "./Labeling";

const task = create(LabelingTaskSchema, {
  state: LabelingTaskState.OPEN,
  targetColumn: "Survived",
  totalRows: 891n,
  labeledRows: 8n,
  knownClasses: ["0", "1"],
  method: "k-means (k=3) over 7 standardized features",
  columns: ["Sex", "Age", "Pclass"],
  clusters: [
    {
      id: 7,
      size: 412n,
      featureRanges: [{ feature: "Sex=female", description: "Sex: female in 2% of rows (all rows: 35%)" }],
      examples: [{ row: 4n, clusterId: 7, values: { Sex: "male", Age: "35", Pclass: "3" } }],
      suggestedLabel: "0",
    },
    {
      id: 3,
      size: 300n,
      featureRanges: [{ feature: "Sex=female", description: "Sex: female in 91% of rows (all rows: 35%)" }],
      examples: [{ row: 1n, clusterId: 3, values: { Sex: "female", Age: "38", Pclass: "1" } }],
    },
    { id: 5, size: 179n, topTerms: ["child", "nurse"], examples: [] },
  ],
  instructions: "Name the groups or label single rows.",
  sampleRows: [
    { row: 4n, clusterId: 7, values: { Sex: "male", Age: "35", Pclass: "3" } },
    { row: 1n, clusterId: 3, values: { Sex: "female", Age: "38", Pclass: "1" } },
    { row: 12n, clusterId: 5, values: { Sex: "female", Pclass: "2" } },
  ],
});

/** Renders the panel against an in-memory ProjectService that records approvals. */
function setup() {
  const approvals: ApproveProjectRequest[] = [];
  let done = 0;
  const project = create(ProjectSchema, { name: "projects/p1", currentStage: PipelineStage.AWAITING_APPROVAL, labelingTask: task });
  const transport = createRouterTransport(({ service }) => {
    service(ProjectService, {
      approveProject(req) {
        approvals.push(req);
        return project;
      },
    });
  });
  render(
    <TransportProvider transport={transport}>
      <QueryClientProvider client={new QueryClient()}>
        <LabelingPanel project={project} task={task} onDone={() => done++} />
      </QueryClientProvider>
    </TransportProvider>,
  );
  return { approvals, done: () => done };
}

describe("LabelingPanel", () => {
  it("shows each cluster with its size, what sets it apart, examples and a name field", () => {
    setup();
    const table = screen.getByRole("table", { name: "Groups of rows to name" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(4); // the header and three groups, largest first as the task lists them
    expect(within(rows[1]).getByText("412")).toBeTruthy();
    expect(within(rows[1]).getByText(/female in 2% of rows/)).toBeTruthy();
    expect(within(rows[1]).getByText(/Its labeled rows say “0”/)).toBeTruthy();
    expect(within(rows[3]).getByText("nurse")).toBeTruthy();
    expect(screen.getAllByLabelText(/^Survived for group \d/)).toHaveLength(3);
    // Examples open on demand, with the task's columns.
    fireEvent.click(within(rows[2]).getByRole("button", { name: "Show 1 example row" }));
    const ex = screen.getByRole("table", { name: "Example rows of group 2" });
    expect(within(ex).getByText("female")).toBeTruthy();
    expect(within(ex).getByText("38")).toBeTruthy();
  });

  it("needs two different labels, then approves with the names by cluster id", async () => {
    const s = setup();
    fireEvent.change(screen.getByLabelText(/^Survived for group 1/), { target: { value: "0" } });
    fireEvent.click(screen.getByRole("button", { name: "Label and continue" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/at least two different labels/);
    expect(s.approvals).toHaveLength(0);

    fireEvent.change(screen.getByLabelText(/^Survived for group 2/), { target: { value: " 1 " } });
    expect(screen.getByText(/2 of 3 groups named \(712 rows\)/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Label and continue" }));
    await waitFor(() => expect(s.done()).toBe(1));
    expect(s.approvals).toHaveLength(1);
    expect(s.approvals[0].name).toBe("projects/p1");
    expect(s.approvals[0].clusterLabels).toEqual({ 7: "0", 3: "1" });
    expect(s.approvals[0].rowLabels).toEqual({});
  });

  it("lists the sample rows and sends exactly the row labels typed, keyed by row index", async () => {
    const s = setup();
    expect(screen.getByText("Name the groups or label single rows.")).toBeTruthy();
    const table = screen.getByRole("table", { name: "Example rows to label" });
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    expect(within(table).getByText("38")).toBeTruthy();
    // One row label alone is one class: not enough.
    fireEvent.change(screen.getByLabelText("Survived for row 5"), { target: { value: "0" } });
    fireEvent.click(screen.getByRole("button", { name: "Label and continue" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/at least two different labels/);
    expect(s.approvals).toHaveLength(0);
    // A second class from another row counts across rows; the third row stays empty.
    fireEvent.change(screen.getByLabelText("Survived for row 2"), { target: { value: " 1 " } });
    fireEvent.change(screen.getByLabelText("Survived for row 13"), { target: { value: "  " } });
    expect(screen.getByText(/2 of 3 example rows labeled/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Label and continue" }));
    await waitFor(() => expect(s.done()).toBe(1));
    expect(s.approvals[0].rowLabels).toEqual({ "4": "0", "1": "1" });
    expect(s.approvals[0].clusterLabels).toEqual({});
  });

  it("counts classes across group names and row labels and sends both", async () => {
    const s = setup();
    fireEvent.change(screen.getByLabelText(/^Survived for group 1/), { target: { value: "0" } });
    // The name typed for a group is offered as a suggestion for the row fields.
    expect(document.querySelectorAll("#labeling-known option")).toHaveLength(2);
    fireEvent.change(screen.getByLabelText("Survived for row 13"), { target: { value: "2" } });
    expect(Array.from(document.querySelectorAll("#labeling-known option")).map((o) => o.getAttribute("value"))).toEqual(["0", "1", "2"]);
    fireEvent.click(screen.getByRole("button", { name: "Label and continue" }));
    await waitFor(() => expect(s.done()).toBe(1));
    expect(s.approvals[0].clusterLabels).toEqual({ 7: "0" });
    expect(s.approvals[0].rowLabels).toEqual({ "12": "2" });
  });

  it("words what is missing", () => {
    expect(rowLabels({ "3": " a ", "4": "" })).toEqual({ "3": "a" });
    expect(labelsProblem({}, { "3": "a" })).toMatch(/two different labels/);
    expect(labelsProblem({ 1: "a" }, { "3": "b" })).toBe("");
    expect(labelsProblem({})).toMatch(/Name at least two groups/);
    expect(labelsProblem({ 1: "a", 2: "a" })).toMatch(/two different labels/);
    expect(labelsProblem({ 1: "a", 2: "b" })).toBe("");
  });
});
