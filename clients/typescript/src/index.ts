// @trainyard/client: the generated Protobuf types and service descriptors of trainyard.v1
// (protoc-gen-es v2) and a small wrapper over @connectrpc/connect v2. This entry point runs in
// browsers and Node; "@trainyard/client/node" adds the Node transports and file helpers,
// "@trainyard/client/web" the browser transport and a REST upload with progress.
export {
  TrainyardClient,
  authInterceptor,
  isTerminal,
  stageName,
  projectName,
  modelName,
  UPLOAD_CHUNK,
  type CreateProjectOptions,
  type ProgressFn,
  type UploadBody,
  type UploadOptions,
  type WatchOptions,
} from "./client.js";
export { DEFAULT_URL, explainError, requireKey, resolveSettings, type SavedCredentials, type Settings } from "./settings.js";
export { Code, ConnectError } from "@connectrpc/connect";

export * from "./gen/trainyard/v1/common_pb.js";
export * from "./gen/trainyard/v1/project_pb.js";
export * from "./gen/trainyard/v1/project_service_pb.js";
export * from "./gen/trainyard/v1/dataset_pb.js";
export * from "./gen/trainyard/v1/dataset_service_pb.js";
export * from "./gen/trainyard/v1/model_pb.js";
export * from "./gen/trainyard/v1/model_service_pb.js";
export * from "./gen/trainyard/v1/prediction_pb.js";
export * from "./gen/trainyard/v1/prediction_service_pb.js";
export * from "./gen/trainyard/v1/api_key_pb.js";
export * from "./gen/trainyard/v1/api_key_service_pb.js";
