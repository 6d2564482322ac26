import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createRouterTransport } from "@connectrpc/connect";
import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { DetectedObjectSchema, FeatureKind, ModelSchema, PredictionService, PredictResponseSchema, ProblemType, type Model, type PredictRequest } from "@trainyard/client";
import { Playground, imageSource } from "./Playground";
import { labelColor } from "./Detections";

// The eight bytes every PNG file starts with: enough for a picture the test picks.
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Renders the Playground of model against an in-memory PredictionService that answers every
 * call with answer, and returns the requests it received. */
function renderPlayground(model: Model, answer: MessageInitShape<typeof PredictResponseSchema>): PredictRequest[] {
  const sent: PredictRequest[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(PredictionService, {
      predict(req) {
        sent.push(req);
        return create(PredictResponseSchema, answer);
      },
    });
  });
  render(
    <TransportProvider transport={transport}>
      <QueryClientProvider client={new QueryClient()}>
        <Playground model={model} />
      </QueryClientProvider>
    </TransportProvider>,
  );
  return sent;
}

describe("Playground for an image model", () => {
  it("offers a picture to choose, not a text field, and sends it without asking for an explanation", async () => {
    const model = create(ModelSchema, {
      name: "models/m1",
      targetColumn: "label",
      features: [{ name: "image", kind: FeatureKind.IMAGE, example: "iVBORw0KGgo=" }],
    });
    const sent = renderPlayground(model, { predictions: [{ result: { case: "label", value: "bag" }, probabilities: { bag: 0.9, coat: 0.1 } }] });
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.getByRole("img", { name: "the example picture" }).getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");

    fireEvent.change(screen.getByLabelText("image: choose a picture"), { target: { files: [new File([png], "shoe.png", { type: "image/png" })] } });
    expect(await screen.findByRole("img", { name: "the chosen picture, shoe.png" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Predict" }));
    const answer = await screen.findByTestId("prediction");
    expect(within(answer).getByText("90%")).toBeTruthy();
    expect(sent).toHaveLength(1);
    expect(sent[0].explain).toBe(false);
    expect(sent[0].instances[0]).toEqual({ image: "data:image/png;base64,iVBORw0KGgo=" });
  });
  it("shows base64 and data: URLs alike", () => {
    expect(imageSource("data:image/jpeg;base64,AAAA")).toBe("data:image/jpeg;base64,AAAA");
    expect(imageSource("AAAA")).toBe("data:image/png;base64,AAAA");
  });
});

describe("Playground for an object detector", () => {
  it("draws the boxes it found over the picture sent, with their labels and scores, and lists them", async () => {
    const model = create(ModelSchema, {
      name: "models/d1",
      problemType: ProblemType.IMAGE_OBJECT_DETECTION,
      classes: ["bar", "square"],
      features: [{ name: "image", kind: FeatureKind.IMAGE, example: "iVBORw0KGgo=" }],
    });
    const sent = renderPlayground(model, {
      predictions: [
        {
          objects: [
            { label: "square", confidence: 0.92, xmin: 0.1, ymin: 0.1, xmax: 0.3, ymax: 0.5 },
            { label: "bar", confidence: 0.61, xmin: 0.5, ymin: 0.7, xmax: 0.9, ymax: 0.8 },
            { label: "square", confidence: 0.2, xmin: 0.6, ymin: 0.1, xmax: 0.7, ymax: 0.2 },
          ],
        },
      ],
    });
    expect(screen.getByText(/see the objects the model finds/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("image: choose a picture"), { target: { files: [new File([png], "shapes.png", { type: "image/png" })] } });
    await screen.findByRole("img", { name: "the chosen picture, shapes.png" });
    fireEvent.click(screen.getByRole("button", { name: "Predict" }));

    const answer = await screen.findByTestId("prediction");
    expect(sent).toHaveLength(1);
    expect(sent[0].explain).toBe(false);
    expect(within(answer).queryByText("How sure")).toBeNull();
    expect(within(answer).getByRole("img", { name: "the picture the model looked at" }).getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");

    // The boxes over the picture, in percentages of its displayed size; the unlikely one left out.
    const overlay = within(answer).getByRole("img", { name: "Boxes of the objects found" });
    expect([overlay.getAttribute("width"), overlay.getAttribute("height"), overlay.style.position]).toEqual(["100%", "100%", "absolute"]);
    const boxes = [...overlay.querySelectorAll("rect")].map((r) => ["x", "y", "width", "height", "stroke"].map((a) => r.getAttribute(a)));
    expect(boxes).toEqual([
      ["10.000%", "10.000%", "20.000%", "40.000%", labelColor("square", model.classes, [])],
      ["50.000%", "70.000%", "40.000%", "10.000%", labelColor("bar", model.classes, [])],
    ]);
    expect([...overlay.querySelectorAll("text")].map((t) => t.textContent)).toEqual(["square 92%", "bar 61%"]);
    const list = within(answer).getByRole("list", { name: "2 of 3 objects, from 50% sure" });
    expect(within(list).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["square 92%", "bar 61%"]);

    // A lower minimum confidence shows the third object too.
    fireEvent.change(within(answer).getByRole("slider"), { target: { value: 0.15 } });
    expect(overlay.querySelectorAll("rect")).toHaveLength(3);
    expect(within(answer).getAllByRole("listitem")).toHaveLength(3);
    expect(within(answer).getByText("3 objects")).toBeTruthy();
  });
  it("colors a label alike in every picture, and a label the model did not list after its own", () => {
    expect(labelColor("square", ["bar", "square"], [])).not.toBe(labelColor("bar", ["bar", "square"], []));
    expect(labelColor("cat", ["bar", "square"], [create(DetectedObjectSchema, { label: "cat" })])).toBe(labelColor("cat", ["bar", "square", "cat"], []));
  });
});
