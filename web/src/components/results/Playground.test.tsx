import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { create } from "@bufbuild/protobuf";
import { createRouterTransport } from "@connectrpc/connect";
import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { FeatureKind, ModelSchema, PredictionService, PredictResponseSchema, type PredictRequest } from "@trainyard/client";
import { Playground, imageSource } from "./Playground";

// The eight bytes every PNG file starts with: enough for a picture the test picks.
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("Playground for an image model", () => {
  it("offers a picture to choose, not a text field, and sends it without asking for an explanation", async () => {
    const sent: PredictRequest[] = [];
    const transport = createRouterTransport(({ service }) => {
      service(PredictionService, {
        predict(req) {
          sent.push(req);
          return create(PredictResponseSchema, { predictions: [{ result: { case: "label", value: "bag" }, probabilities: { bag: 0.9, coat: 0.1 } }] });
        },
      });
    });
    const model = create(ModelSchema, {
      name: "models/m1",
      targetColumn: "label",
      features: [{ name: "image", kind: FeatureKind.IMAGE, example: "iVBORw0KGgo=" }],
    });
    render(
      <TransportProvider transport={transport}>
        <QueryClientProvider client={new QueryClient()}>
          <Playground model={model} />
        </QueryClientProvider>
      </TransportProvider>,
    );
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
