# Trainyard's build. The two commands a person needs: `make run` and `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

GO      ?= go
BIN     := bin/trainyard
VENV    := .venv
PY      := $(VENV)/bin/python
BUF     := tools/node_modules/.bin/buf
ADDR    ?= 127.0.0.1:8080

.PHONY: run build web test test-go test-python check generate check-generate lint breaking \
        tools venv bench-ml bench-automl bench-predict bench-serving \
        bench-pipeline bench-text bench-image clean

## run: build the web app and the server, then serve Trainyard on http://$(ADDR) (embedded default)
run: web build
	$(BIN) serve --addr $(ADDR)

## build: compile the trainyard binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/trainyard

## web: build the web app into the folder the binary embeds (a placeholder page without it)
web:
	@if [[ -f web/package.json ]]; then \
	  (cd web && npm ci --no-audit --no-fund && npm run build); \
	else \
	  echo "web: no web app yet; the server serves its placeholder page"; \
	fi

## test: every test, against SQLite and a throwaway PostgreSQL
test: venv
	scripts/with-postgres.sh scripts/test.sh

## check: generated code is current, buf lint passes, no breaking change against the last commit
check: check-generate lint breaking

## generate: reinstall the pinned generators and regenerate gen/, ent/ and third_party/proto
generate: tools venv
	cd tools/protovendor && $(GO) run . ../../third_party/proto
	$(BUF) generate
	scripts/gen-python.sh
	$(GO) generate ./ent
	$(PY) clients/python/scripts/sync_generated.py
	node clients/typescript/scripts/sync-gen.mjs

## check-generate: fail when `make generate` changes anything that is committed
GENERATED := gen ent third_party clients/python/src/trainyard/v1 clients/python/src/trainyard/_buf \
             clients/typescript/src/gen
check-generate: generate
	@changed=$$(git status --porcelain -- $(GENERATED)); \
	if [[ -n "$$changed" ]]; then \
	  echo "generated code is stale; run 'make generate' and commit:"; echo "$$changed"; \
	  git diff --stat -- $(GENERATED) | tail -20; exit 1; \
	fi

## lint: buf lint on the API
lint: tools
	$(BUF) lint

## breaking: buf breaking against the previous commit (skipped on the first commit)
breaking: tools
	@if git cat-file -e HEAD~1:proto 2>/dev/null; then \
	  $(BUF) breaking proto --against '.git#ref=HEAD~1,subdir=proto'; \
	else echo "breaking: the previous commit has no proto/ to compare with"; fi

## tools: the pinned code generators (buf, protoc-gen-es); Go generators come from go.mod
tools: tools/node_modules/.installed
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## venv: the Python packages for code generation and the client/runtime tests
venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	[[ -x $(PY) ]] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r tools/requirements.txt
	touch $@

## bench-ml: the GBDT against LightGBM, XGBoost and scikit-learn at the same parameters (long)
bench-ml:
	bench/ml/run.sh

## bench-automl: the AutoML search against LightGBM defaults and FLAML with the same budget (long)
bench-automl:
	bench/automl/run.sh

## bench-predict: prediction throughput against LightGBM and onnxruntime on our exported ONNX
bench-predict:
	bench/ml/predict.sh

## bench-serving: Predict over Connect, gRPC and REST and batch prediction against FastAPI + LightGBM
bench-serving:
	bench/serving/run.sh

## bench-pipeline: submission-to-deployed and per-stage time of the agent pipeline per dataset
bench-pipeline:
	$(GO) run ./bench/pipeline

## bench-text, bench-image: text and image learners against scikit-learn (long)
bench-text:
	bench/text/run.sh
bench-image:
	bench/image/run.sh

clean:
	rm -rf bin
