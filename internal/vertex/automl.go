package vertex

import (
	"context"
	"fmt"
	"path"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Schemas of the AutoML datasets and training definitions used (public Vertex AI schema files).
const (
	schemaBase                   = "gs://google-cloud-aiplatform/schema/"
	TabularDatasetSchema         = schemaBase + "dataset/metadata/tabular_1.0.0.yaml"
	ImageDatasetSchema           = schemaBase + "dataset/metadata/image_1.0.0.yaml"
	ImageClassificationImport    = schemaBase + "dataset/ioformat/image_classification_single_label_io_format_1.0.0.yaml"
	ImageMultiLabelImport        = schemaBase + "dataset/ioformat/image_classification_multi_label_io_format_1.0.0.yaml"
	ImageBoundingBoxImport       = schemaBase + "dataset/ioformat/image_bounding_box_io_format_1.0.0.yaml"
	TabularTrainingDefinition    = schemaBase + "trainingjob/definition/automl_tabular_1.0.0.yaml"
	ImageClassificationTraining  = schemaBase + "trainingjob/definition/automl_image_classification_1.0.0.yaml"
	ImageObjectDetectionTraining = schemaBase + "trainingjob/definition/automl_image_object_detection_1.0.0.yaml"
)

// TabularTask describes an AutoML training on a table.
type TabularTask struct {
	// DisplayName names the dataset, pipeline and model.
	DisplayName string
	// SourceURI is the gs:// CSV file with a header row.
	SourceURI string
	// Target is the column to predict.
	Target string
	// PredictionType is "classification" or "regression".
	PredictionType string
	// Objective is AutoML's optimization objective ("" for its default), such as
	// "maximize-au-prc" or "minimize-rmse".
	Objective string
	// Columns are the input columns (every other column of the file is ignored); empty means
	// all but the target.
	Columns []string
	// Budget is the training time; it becomes node hours (MilliNodeHours, 1 to 72).
	Budget time.Duration
}

// ImageTask describes an AutoML training on images.
type ImageTask struct {
	// DisplayName names the dataset, pipeline and model.
	DisplayName string
	// ImportURI is the gs:// import file (JSON Lines or CSV in Vertex's import format) listing
	// the images and their labels or boxes.
	ImportURI string
	// ObjectDetection trains a detector (boxes) instead of a classifier.
	ObjectDetection bool
	// MultiLabel lets an image have several labels (classification only).
	MultiLabel bool
	// Budget is the training time; it becomes node hours (8 or 20 at least).
	Budget time.Duration
}

// TrainTabular creates a tabular dataset from the file, runs an AutoML tabular training
// pipeline and returns the model it uploaded.
func (c *Client) TrainTabular(ctx context.Context, t TabularTask, onState func(aiplatformpb.PipelineState)) (*aiplatformpb.Model, error) {
	if t.PredictionType != "classification" && t.PredictionType != "regression" {
		return nil, fmt.Errorf("automl tabular: prediction type %q: want classification or regression", t.PredictionType)
	}
	meta, err := structpb.NewValue(map[string]any{"inputConfig": map[string]any{"gcsSource": map[string]any{"uri": []any{t.SourceURI}}}})
	if err != nil {
		return nil, err
	}
	ds, err := c.createDataset(ctx, t.DisplayName, TabularDatasetSchema, meta)
	if err != nil {
		return nil, err
	}
	var transformations []any
	for _, col := range t.Columns {
		transformations = append(transformations, map[string]any{"auto": map[string]any{"columnName": col}})
	}
	inputs := map[string]any{
		"targetColumn":              t.Target,
		"predictionType":            t.PredictionType,
		"trainBudgetMilliNodeHours": float64(MilliNodeHours(t.Budget, 1, MinTabularBudget, MaxTabularBudget)),
	}
	if len(transformations) > 0 {
		inputs["transformations"] = transformations
	}
	if t.Objective != "" {
		inputs["optimizationObjective"] = t.Objective
	}
	return c.runPipeline(ctx, t.DisplayName, ds, TabularTrainingDefinition, inputs, onState)
}

// TrainImage creates an image dataset, imports the images and runs an AutoML image
// classification or object detection training pipeline; it returns the uploaded model.
func (c *Client) TrainImage(ctx context.Context, t ImageTask, onState func(aiplatformpb.PipelineState)) (*aiplatformpb.Model, error) {
	ds, err := c.createDataset(ctx, t.DisplayName, ImageDatasetSchema, nil)
	if err != nil {
		return nil, err
	}
	importSchema, definition := ImageClassificationImport, ImageClassificationTraining
	minBudget := int64(MinImageClassificationBudget)
	switch {
	case t.ObjectDetection:
		importSchema, definition, minBudget = ImageBoundingBoxImport, ImageObjectDetectionTraining, MinObjectDetectionBudget
	case t.MultiLabel:
		importSchema = ImageMultiLabelImport
	}
	op, err := c.datasets.ImportData(ctx, &aiplatformpb.ImportDataRequest{Name: ds, ImportConfigs: []*aiplatformpb.ImportDataConfig{{
		Source:          &aiplatformpb.ImportDataConfig_GcsSource{GcsSource: &aiplatformpb.GcsSource{Uris: []string{t.ImportURI}}},
		ImportSchemaUri: importSchema,
	}}})
	if err != nil {
		return nil, fmt.Errorf("import images into %s: %w", ds, err)
	}
	if err := c.backoff.waitOp(ctx, op, func(ctx context.Context) error { _, err := op.Poll(ctx); return err }); err != nil {
		return nil, fmt.Errorf("import images into %s: %w", ds, err)
	}
	inputs := map[string]any{
		"modelType":            "CLOUD",
		"budgetMilliNodeHours": float64(MilliNodeHours(t.Budget, 1, minBudget, MaxImageBudget)),
	}
	if !t.ObjectDetection {
		inputs["multiLabel"] = t.MultiLabel
	}
	return c.runPipeline(ctx, t.DisplayName, ds, definition, inputs, onState)
}

// createDataset creates a managed dataset and returns its resource name.
func (c *Client) createDataset(ctx context.Context, name, schema string, meta *structpb.Value) (string, error) {
	op, err := c.datasets.CreateDataset(ctx, &aiplatformpb.CreateDatasetRequest{Parent: c.loc.Parent(), Dataset: &aiplatformpb.Dataset{
		DisplayName: name, MetadataSchemaUri: schema, Metadata: meta,
	}})
	if err != nil {
		return "", fmt.Errorf("create dataset: %w", err)
	}
	var ds *aiplatformpb.Dataset
	err = c.backoff.waitOp(ctx, op, func(ctx context.Context) error {
		d, err := op.Poll(ctx)
		if d != nil {
			ds = d
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create dataset: %w", err)
	}
	return ds.GetName(), nil
}

// runPipeline runs one AutoML training pipeline on dataset and returns its model.
func (c *Client) runPipeline(ctx context.Context, name, dataset, definition string, inputs map[string]any, onState func(aiplatformpb.PipelineState)) (*aiplatformpb.Model, error) {
	in, err := structpb.NewValue(inputs)
	if err != nil {
		return nil, fmt.Errorf("training inputs: %w", err)
	}
	created, err := c.pipelines.CreateTrainingPipeline(ctx, &aiplatformpb.CreateTrainingPipelineRequest{
		Parent: c.loc.Parent(),
		TrainingPipeline: &aiplatformpb.TrainingPipeline{
			DisplayName:            name,
			InputDataConfig:        &aiplatformpb.InputDataConfig{DatasetId: path.Base(dataset)},
			TrainingTaskDefinition: definition,
			TrainingTaskInputs:     in,
			ModelToUpload:          &aiplatformpb.Model{DisplayName: name},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create training pipeline: %w", err)
	}
	last, state := created, created.GetState()
	if onState != nil {
		onState(state)
	}
	err = c.backoff.poll(ctx, created.GetName(), func(ctx context.Context) (bool, error) {
		p, err := c.pipelines.GetTrainingPipeline(ctx, &aiplatformpb.GetTrainingPipelineRequest{Name: created.GetName()})
		if err != nil {
			return false, err
		}
		last = p
		if p.GetState() != state {
			state = p.GetState()
			if onState != nil {
				onState(state)
			}
		}
		return pipelineDone(state), nil
	})
	if err != nil {
		if ctx.Err() != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = c.pipelines.CancelTrainingPipeline(cctx, &aiplatformpb.CancelTrainingPipelineRequest{Name: created.GetName()})
			cancel()
		}
		return nil, err
	}
	if state != aiplatformpb.PipelineState_PIPELINE_STATE_SUCCEEDED {
		return nil, &JobError{Name: last.GetName(), State: state.String(), Message: last.GetError().GetMessage()}
	}
	m, err := c.models.GetModel(ctx, &aiplatformpb.GetModelRequest{Name: last.GetModelToUpload().GetName()})
	if err != nil {
		return nil, fmt.Errorf("get trained model: %w", err)
	}
	return m, nil
}

// pipelineDone reports whether a pipeline state is final.
func pipelineDone(s aiplatformpb.PipelineState) bool {
	switch s {
	case aiplatformpb.PipelineState_PIPELINE_STATE_SUCCEEDED, aiplatformpb.PipelineState_PIPELINE_STATE_FAILED,
		aiplatformpb.PipelineState_PIPELINE_STATE_CANCELLED:
		return true
	}
	return false
}
