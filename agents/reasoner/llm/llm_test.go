package llm

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm/llmtest"
)

func TestLLMCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewCache(2)
	a := reasoner.Answer{Value: json.RawMessage(`"a"`)}
	c.Put("a", a)
	c.Put("b", reasoner.Answer{Value: json.RawMessage(`"b"`)})
	if _, ok := c.Get("a"); !ok { // a is now the most recent
		t.Fatal("Get(a) missed")
	}
	c.Put("c", reasoner.Answer{Value: json.RawMessage(`"c"`)})
	if _, ok := c.Get("b"); ok {
		t.Error("Get(b) hit, want b evicted as least recently used")
	}
	if got, ok := c.Get("a"); !ok || string(got.Value) != `"a"` || c.Len() != 2 {
		t.Errorf("Get(a) = %s, %v; Len = %d", got.Value, ok, c.Len())
	}
	var none *Cache
	none.Put("x", a)
	if _, ok := none.Get("x"); ok || NewCache(0) != nil {
		t.Error("a nil cache cached something")
	}
	if Key("m", "p") == Key("mp") || Key("m", "p") != Key("m", "p") {
		t.Error("Key must separate its parts and be deterministic")
	}
}

func TestLLMDecideAccountsAndCachesOnlyValidAnswers(t *testing.T) {
	m := NewMeter(Price{Input: 2, Output: 4})
	c := NewCache(8)
	replies := []string{`{"value":"nope","reasoning":"r","confidence":0.5}`, `{"value":"churn","reasoning":"r","confidence":0.5}`}
	calls := 0
	call := func(context.Context, string, json.RawMessage) (Reply, error) {
		r := replies[min(calls, len(replies)-1)]
		calls++
		return Reply{Text: r, InputTokens: 100, OutputTokens: 10}, nil
	}
	ctx := WithProject(context.Background(), "p")
	if _, err := Decide(ctx, "x", "m", c, m, call, llmtest.ColumnRequest()); !errors.Is(err, reasoner.ErrInvalidAnswer) {
		t.Fatalf("Decide(out of schema) = %v, want ErrInvalidAnswer", err)
	}
	for range 3 {
		if ans, err := Decide(ctx, "x", "m", c, m, call, llmtest.ColumnRequest()); err != nil || string(ans.Value) != `"churn"` {
			t.Fatalf("Decide = %+v, %v", ans, err)
		}
	}
	want := Usage{Calls: 2, CacheHits: 2, Failures: 1, InputTokens: 200, OutputTokens: 20, CostUSD: (200*2 + 20*4) / 1e6}
	if got := m.Project("p"); got != want || calls != 2 {
		t.Errorf("Usage = %+v (calls %d), want %+v (2 calls: the invalid answer was not cached)", got, calls, want)
	}
	if m.Total() != want || m.Project("q") != (Usage{}) {
		t.Errorf("Total = %+v", m.Total())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { m.Call(WithProject(context.Background(), "r"), 1, 1) })
	}
	wg.Wait()
	if m.Project("r").Calls != 8 {
		t.Errorf("concurrent calls = %d, want 8", m.Project("r").Calls)
	}
}
