// Package types holds the small value types stored in ent fields: the enums shared by several
// entities and the JSON documents with a fixed shape. It imports nothing of the generated code,
// so the schema, the generated code and the store can all use it.
package types

// Role is what an API key (or a user's default) may do.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin  Role = "ADMIN"
	RoleMember Role = "MEMBER"
	RoleViewer Role = "VIEWER"
)

// Values lists the roles; ent uses it for the enum column.
func (Role) Values() []string {
	return []string{string(RoleAdmin), string(RoleMember), string(RoleViewer)}
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleMember || r == RoleViewer }

// DataType is the kind of data a dataset holds and a project learns from.
type DataType string

// The data types.
const (
	DataTypeTabular    DataType = "TABULAR"
	DataTypeText       DataType = "TEXT"
	DataTypeImage      DataType = "IMAGE"
	DataTypeMultimodal DataType = "MULTIMODAL"
)

// Values lists the data types; ent uses it for the enum column.
func (DataType) Values() []string {
	return []string{string(DataTypeTabular), string(DataTypeText), string(DataTypeImage), string(DataTypeMultimodal)}
}

// Stage is a pipeline stage of a project.
type Stage string

// The stages in pipeline order, then the terminal ones.
const (
	StageAnalyzing        Stage = "ANALYZING"
	StageDataProcessing   Stage = "DATA_PROCESSING"
	StageLabeling         Stage = "LABELING"
	StageModelSelection   Stage = "MODEL_SELECTION"
	StageAwaitingApproval Stage = "AWAITING_APPROVAL"
	StageTraining         Stage = "TRAINING"
	StageEvaluation       Stage = "EVALUATION"
	StageDeployment       Stage = "DEPLOYMENT"
	StageCompleted        Stage = "COMPLETED"
	StageFailed           Stage = "FAILED"
	StageCancelled        Stage = "CANCELLED"
)

// Values lists the stages; ent uses it for the enum column.
func (Stage) Values() []string {
	return []string{
		string(StageAnalyzing), string(StageDataProcessing), string(StageLabeling),
		string(StageModelSelection), string(StageAwaitingApproval), string(StageTraining),
		string(StageEvaluation), string(StageDeployment), string(StageCompleted),
		string(StageFailed), string(StageCancelled),
	}
}

// Terminal reports whether no work follows s.
func (s Stage) Terminal() bool {
	return s == StageCompleted || s == StageFailed || s == StageCancelled
}

// Active reports whether a project in stage s counts toward the concurrent-projects limit:
// it is neither finished nor parked waiting for a person's approval.
func (s Stage) Active() bool { return !s.Terminal() && s != StageAwaitingApproval }

// ModelState is the lifecycle state of a trained model.
type ModelState string

// The model states.
const (
	ModelTraining ModelState = "TRAINING"
	ModelReady    ModelState = "READY"
	ModelDeployed ModelState = "DEPLOYED"
	ModelFailed   ModelState = "FAILED"
	ModelDeleted  ModelState = "DELETED"
)

// Values lists the model states; ent uses it for the enum column.
func (ModelState) Values() []string {
	return []string{string(ModelTraining), string(ModelReady), string(ModelDeployed), string(ModelFailed), string(ModelDeleted)}
}

// BatchState is the state of a batch prediction job.
type BatchState string

// The batch prediction states.
const (
	BatchPending   BatchState = "PENDING"
	BatchRunning   BatchState = "RUNNING"
	BatchSucceeded BatchState = "SUCCEEDED"
	BatchFailed    BatchState = "FAILED"
	BatchCancelled BatchState = "CANCELLED"
)

// Values lists the batch states; ent uses it for the enum column.
func (BatchState) Values() []string {
	return []string{string(BatchPending), string(BatchRunning), string(BatchSucceeded), string(BatchFailed), string(BatchCancelled)}
}

// Terminal reports whether the batch job has finished.
func (s BatchState) Terminal() bool {
	return s == BatchSucceeded || s == BatchFailed || s == BatchCancelled
}

// EventKind says what a progress event reports.
type EventKind string

// The progress event kinds.
const (
	EventStageChanged EventKind = "STAGE_CHANGED"
	EventProgress     EventKind = "PROGRESS"
	EventLog          EventKind = "LOG"
	EventDecision     EventKind = "DECISION"
	EventTerminal     EventKind = "TERMINAL"
)

// Values lists the event kinds; ent uses it for the enum column.
func (EventKind) Values() []string {
	return []string{string(EventStageChanged), string(EventProgress), string(EventLog), string(EventDecision), string(EventTerminal)}
}

// DatasetFile is one uploaded file of a dataset.
type DatasetFile struct {
	// Name is the file name as uploaded.
	Name string `json:"name"`
	// BlobKey locates the bytes in the blob store.
	BlobKey string `json:"blob_key"`
	// SizeBytes is the file's length.
	SizeBytes int64 `json:"size_bytes"`
	// SHA256 is the hex SHA-256 of the bytes.
	SHA256 string `json:"sha256"`
	// ContentType is the media type given at upload (or detected).
	ContentType string `json:"content_type,omitempty"`
}
