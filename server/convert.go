package server

import (
	"encoding/json"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// The API's enums name the stored values behind a prefix: stage RUNNING is
// PIPELINE_STAGE_RUNNING, and UNSPECIFIED (the zero) is no value.

// enumToProto maps a stored value to the API enum whose value names are names.
func enumToProto[E ~int32](prefix, stored string, names map[string]int32) E {
	return E(names[prefix+stored])
}

// enumFromProto maps an API enum to its stored value ("" for UNSPECIFIED).
func enumFromProto[E interface {
	~int32
	String() string
}](e E, prefix string) string {
	if e == 0 {
		return ""
	}
	return strings.TrimPrefix(e.String(), prefix)
}

// stageToProto maps a stored stage to the API enum.
func stageToProto(s types.Stage) trainyardv1.PipelineStage {
	return enumToProto[trainyardv1.PipelineStage]("PIPELINE_STAGE_", string(s), trainyardv1.PipelineStage_value)
}

// stageFromProto maps the API enum to a stored stage.
func stageFromProto(s trainyardv1.PipelineStage) types.Stage {
	return types.Stage(enumFromProto(s, "PIPELINE_STAGE_"))
}

// dataTypeToProto maps a stored data type to the API enum.
func dataTypeToProto(d types.DataType) trainyardv1.DataType {
	return enumToProto[trainyardv1.DataType]("DATA_TYPE_", string(d), trainyardv1.DataType_value)
}

// dataTypeFromProto maps the API enum to a stored data type.
func dataTypeFromProto(d trainyardv1.DataType) types.DataType {
	return types.DataType(enumFromProto(d, "DATA_TYPE_"))
}

// roleToProto maps a stored role to the API enum.
func roleToProto(r types.Role) trainyardv1.Role {
	return enumToProto[trainyardv1.Role]("ROLE_", string(r), trainyardv1.Role_value)
}

// roleFromProto maps the API enum to a stored role.
func roleFromProto(r trainyardv1.Role) types.Role {
	return types.Role(enumFromProto(r, "ROLE_"))
}

// decisionTypeToProto maps a stored decision type ("MODEL_FAMILY" or "DECISION_TYPE_MODEL_FAMILY").
func decisionTypeToProto(s string) trainyardv1.DecisionType {
	s = strings.ToUpper(s)
	if !strings.HasPrefix(s, "DECISION_TYPE_") {
		s = "DECISION_TYPE_" + s
	}
	return trainyardv1.DecisionType(trainyardv1.DecisionType_value[s])
}

// timestamp converts an optional time.
func timestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil || t.IsZero() {
		return nil
	}
	return timestamppb.New(*t)
}

// secondsPtr converts an optional number of seconds.
func secondsPtr(s *int64) *float64 {
	if s == nil {
		return nil
	}
	f := float64(*s)
	return &f
}

// unmarshalStored decodes a JSON document the agents stored in protojson form into m; it
// returns nil when there is none or it does not parse (an older shape must not break reads).
func unmarshalStored[M proto.Message](raw json.RawMessage, m M) M {
	var zero M
	if len(raw) == 0 || string(raw) == "null" {
		return zero
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, m); err != nil {
		return zero
	}
	return m
}

// projectToProto converts a stored project.
func projectToProto(p *ent.Project) *trainyardv1.Project {
	out := &trainyardv1.Project{
		Name:                   resourceName("projects", p.ID),
		Id:                     p.ID.String(),
		DisplayName:            p.DisplayName,
		ProblemDescription:     p.ProblemDescription,
		DatasetId:              p.DatasetID.String(),
		DataType:               dataTypeToProto(p.DataType),
		RequiresApproval:       p.RequiresApproval,
		CurrentStage:           stageToProto(p.Stage),
		StageProgress:          p.StageProgress * 100,
		EstimatedTimeRemaining: secondsPtr(p.EstimatedSecondsRemaining),
		Analysis:               unmarshalStored(p.Analysis, &trainyardv1.ProblemAnalysis{}),
		Plan:                   unmarshalStored(p.Plan, &trainyardv1.TrainingPlan{}),
		LabelingTask:           unmarshalStored(p.LabelingTask, &trainyardv1.LabelingTask{}),
		Iteration:              int32(p.Iteration),
		WebhookUrl:             p.WebhookURL,
		Owner:                  resourceName("users", p.OwnerID),
		CreateTime:             timestamppb.New(p.CreatedAt),
		UpdateTime:             timestamppb.New(p.UpdatedAt),
		CompleteTime:           timestamp(p.CompletedAt),
	}
	if p.ModelID != nil {
		out.ModelId = p.ModelID.String()
	}
	if p.BudgetSeconds > 0 {
		out.Budget = durationpb.New(time.Duration(p.BudgetSeconds) * time.Second)
	}
	if p.Stage == types.StageFailed || p.ErrorMessage != "" {
		out.Error = &trainyardv1.ProjectError{Message: p.ErrorMessage, Suggestions: p.Suggestions}
	}
	return out
}

// auditToProto converts a stored decision.
func auditToProto(e *ent.AuditEntry) *trainyardv1.AuditEntry {
	out := &trainyardv1.AuditEntry{
		Name:         "projects/" + e.ProjectID.String() + "/auditEntries/" + e.ID.String(),
		Id:           e.ID.String(),
		ProjectId:    e.ProjectID.String(),
		Sequence:     e.Sequence,
		Stage:        stageToProto(e.Stage),
		DecisionType: decisionTypeToProto(e.DecisionType),
		Decision:     e.Decision,
		Reasoning:    e.Reasoning,
		Confidence:   e.Confidence,
		Reasoner:     e.Reasoner,
		CreateTime:   timestamppb.New(e.CreatedAt),
	}
	if len(e.Alternatives) > 0 {
		var alts []struct {
			Option string   `json:"option"`
			Score  *float64 `json:"score"`
			Note   string   `json:"note"`
		}
		if json.Unmarshal(e.Alternatives, &alts) == nil {
			for _, a := range alts {
				out.Alternatives = append(out.Alternatives, &trainyardv1.Alternative{Option: a.Option, Score: a.Score, Note: a.Note})
			}
		}
	}
	if len(e.Evidence) > 0 {
		var ev structpb.Struct
		if protojson.Unmarshal(e.Evidence, &ev) == nil {
			out.Evidence = &ev
		}
	}
	return out
}

// eventPayload is what the pipeline may put in a progress event's payload; every field is
// optional. DECISION events carry the store's decision summary.
type eventPayload struct {
	Level         string  `json:"level"`
	PreviousStage string  `json:"previous_stage"`
	AuditEntryID  string  `json:"audit_entry_id"`
	AuditSequence int64   `json:"audit_sequence"`
	DecisionType  string  `json:"decision_type"`
	Decision      string  `json:"decision"`
	Confidence    float64 `json:"confidence"`
	Reasoner      string  `json:"reasoner"`
	Best          *struct {
		Name           string  `json:"name"`
		Value          float64 `json:"value"`
		HigherIsBetter bool    `json:"higher_is_better"`
	} `json:"best"`
}

// eventToProto converts a stored progress event. previous is the stage before the event (for
// stage changes), UNSPECIFIED when unknown.
func eventToProto(e *ent.ProgressEvent, previous trainyardv1.PipelineStage) *trainyardv1.ProgressEvent {
	out := &trainyardv1.ProgressEvent{
		ProjectId:              e.ProjectID.String(),
		Sequence:               e.Sequence,
		Time:                   timestamppb.New(e.CreatedAt),
		Stage:                  stageToProto(e.Stage),
		StageProgress:          e.StageProgress * 100,
		EstimatedTimeRemaining: secondsPtr(e.EstimatedSecondsRemaining),
	}
	var pl eventPayload
	if len(e.Payload) > 0 {
		_ = json.Unmarshal(e.Payload, &pl)
	}
	if pl.PreviousStage != "" {
		previous = stageToProto(types.Stage(strings.TrimPrefix(strings.ToUpper(pl.PreviousStage), "PIPELINE_STAGE_")))
	}
	switch e.Kind {
	case types.EventStageChanged, types.EventTerminal:
		out.Detail = &trainyardv1.ProgressEvent_StageChange{StageChange: &trainyardv1.StageChange{
			PreviousStage: previous, NewStage: out.Stage, Message: e.Message,
		}}
	case types.EventLog:
		lv := trainyardv1.LogLevel(trainyardv1.LogLevel_value["LOG_LEVEL_"+strings.ToUpper(pl.Level)])
		if lv == trainyardv1.LogLevel_LOG_LEVEL_UNSPECIFIED {
			lv = trainyardv1.LogLevel_LOG_LEVEL_INFO
		}
		out.Detail = &trainyardv1.ProgressEvent_Log{Log: &trainyardv1.LogEntry{
			Time: out.Time, Level: lv, Stage: out.Stage, Message: e.Message,
		}}
	case types.EventDecision:
		ae := &trainyardv1.AuditEntry{
			Id: pl.AuditEntryID, ProjectId: out.ProjectId, Sequence: pl.AuditSequence, Stage: out.Stage,
			DecisionType: decisionTypeToProto(pl.DecisionType), Decision: pl.Decision,
			Confidence: pl.Confidence, Reasoner: pl.Reasoner, CreateTime: out.Time,
		}
		if pl.AuditEntryID != "" {
			ae.Name = "projects/" + out.ProjectId + "/auditEntries/" + pl.AuditEntryID
		}
		if ae.Decision == "" {
			ae.Decision = e.Message
		}
		out.Detail = &trainyardv1.ProgressEvent_Decision{Decision: ae}
	default:
		pu := &trainyardv1.ProgressUpdate{Message: e.Message}
		if pl.Best != nil {
			pu.Best = &trainyardv1.Metric{Name: pl.Best.Name, Value: pl.Best.Value, HigherIsBetter: pl.Best.HigherIsBetter}
		}
		out.Detail = &trainyardv1.ProgressEvent_Progress{Progress: pu}
	}
	return out
}

// apiKeyToProto converts a stored key; secret is set only right after creation.
func apiKeyToProto(k *ent.ApiKey, secret string) *trainyardv1.ApiKey {
	out := &trainyardv1.ApiKey{
		Name:        resourceName("api-keys", k.ID),
		Id:          k.ID.String(),
		DisplayName: k.DisplayName,
		Role:        roleToProto(k.Role),
		Secret:      secret,
		Prefix:      k.KeyPrefix,
		Owner:       resourceName("users", k.OwnerID),
		CreateTime:  timestamppb.New(k.CreatedAt),
		LastUseTime: timestamp(k.LastUsedAt),
		ExpireTime:  timestamp(k.ExpiresAt),
	}
	if k.ModelID != nil {
		out.ModelId = k.ModelID.String()
	}
	if k.RevokedAt != nil && (k.ExpiresAt == nil || k.RevokedAt.Before(*k.ExpiresAt)) {
		// A revoked key stopped working when it was revoked.
		out.ExpireTime = timestamppb.New(*k.RevokedAt)
	}
	return out
}

// userToProto converts a stored user with the role of the caller's credential.
func userToProto(u *ent.User, role types.Role) *trainyardv1.User {
	return &trainyardv1.User{
		Name:        resourceName("users", u.ID),
		Id:          u.ID.String(),
		Email:       u.Email,
		DisplayName: u.DisplayName,
		Role:        roleToProto(role),
		CreateTime:  timestamppb.New(u.CreatedAt),
	}
}
