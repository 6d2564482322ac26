package prep

import (
	"errors"
	"fmt"
	"math"

	"github.com/trainyard/trainyard/ml/profile"
)

// ErrCorrupt reports a decoded pipeline whose parts do not fit together.
var ErrCorrupt = errors.New("inconsistent pipeline")

// validate checks the invariants that encoding relies on, so a damaged or
// hand-edited pipeline fails when loaded instead of panicking later.
func (p *Pipeline) validate() error {
	if p.Mode != Trees && p.Mode != Linear {
		return fmt.Errorf("mode %q: %w", p.Mode, ErrCorrupt)
	}
	switch p.Label.Task {
	case profile.Regression:
		if len(p.Label.Classes) != 0 {
			return fmt.Errorf("regression label with classes: %w", ErrCorrupt)
		}
	case profile.Binary, profile.Multiclass:
		if len(p.Label.Classes) < 2 || p.Label.Task == profile.Binary && len(p.Label.Classes) != 2 {
			return fmt.Errorf("%s label with %d classes: %w", p.Label.Task, len(p.Label.Classes), ErrCorrupt)
		}
	default:
		return fmt.Errorf("label task %q: %w", p.Label.Task, ErrCorrupt)
	}
	seen := map[string]bool{}
	for i := range p.Steps {
		s := &p.Steps[i]
		if seen[s.Column] {
			return fmt.Errorf("column %q has two steps: %w", s.Column, ErrCorrupt)
		}
		seen[s.Column] = true
		if err := s.validate(p.Mode == Linear); err != nil {
			return fmt.Errorf("step %d (column %q): %w", i, s.Column, err)
		}
	}
	return nil
}

func (s *Step) validate(linear bool) error {
	want := 0 // expected len(Out)
	values := 0
	switch s.Encoder {
	case EncText:
		want = 0
	case EncNumeric, EncBoolean:
		values = 1
	case EncDatetime:
		for _, part := range s.Parts {
			switch part {
			case "year", "month", "day", "weekday", "hour", "unix":
			default:
				return fmt.Errorf("datetime part %q: %w", part, ErrCorrupt)
			}
		}
		values = len(s.Parts)
		if values == 0 {
			return fmt.Errorf("datetime step without parts: %w", ErrCorrupt)
		}
	case EncCodes:
		want = 1
	case EncOneHot:
		want = len(s.Levels)
		if len(s.OtherLevels) > 0 {
			want++
		}
		if s.MissingLevel {
			want++
		}
	case EncTarget:
		want = len(s.Prior)
		if want == 0 || len(s.Stats) != len(s.Levels) || len(s.Center) != want || len(s.Scale) != want {
			return fmt.Errorf("target encoding of %d outputs with %d stats for %d levels: %w", want, len(s.Stats), len(s.Levels), ErrCorrupt)
		}
		for _, st := range s.Stats {
			if len(st) != want {
				return fmt.Errorf("target encoding stats of length %d, want %d: %w", len(st), want, ErrCorrupt)
			}
		}
		if len(s.OtherLevels) > 0 {
			return fmt.Errorf("target encoding with other levels: %w", ErrCorrupt)
		}
	default:
		return fmt.Errorf("encoder %q: %w", s.Encoder, ErrCorrupt)
	}
	if values > 0 {
		want = values
		if s.Indicator {
			want++
		}
		if linear && (len(s.Fill) != values || len(s.Center) != values || len(s.Scale) != values) {
			return fmt.Errorf("%d fill, %d center, %d scale values for %d outputs: %w", len(s.Fill), len(s.Center), len(s.Scale), values, ErrCorrupt)
		}
	}
	if len(s.Out) != want {
		return fmt.Errorf("%d output names, want %d: %w", len(s.Out), want, ErrCorrupt)
	}
	for _, sc := range s.Scale {
		if sc == 0 || math.IsNaN(sc) || math.IsInf(sc, 0) {
			return fmt.Errorf("scale %v: %w", sc, ErrCorrupt)
		}
	}
	return nil
}
