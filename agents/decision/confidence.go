package decision

import "math"

// A confidence reads the same across the agents: the chance that the choice is the better of
// it and its closest rival. 0.5 is a coin flip, which a rule broke (a tie); near 1 the choice
// clearly beats every alternative; below 0.5 a rule kept an option its scores rate lower. A
// low confidence thus says the alternatives are close, not that a rule is in doubt about
// applying. SuitConfidence reads it from suitabilities: scores 0 to 1 that the rules give
// options, each the chance that its option suits the facts.

// SuitConfidence is the confidence of the chosen (first) of alternatives scored by
// suitability: SuitedOver its best-scored other. With no other scored it is the chosen one's
// own score, the chance that it suits; 1 when the chosen one has no score (nothing weighs
// against it).
func SuitConfidence(alts []Alternative) float64 {
	if len(alts) == 0 || alts[0].Score == nil {
		return 1
	}
	var rival *float64
	for _, a := range alts[1:] {
		if a.Score != nil && (rival == nil || *a.Score > *rival) {
			rival = a.Score
		}
	}
	if rival == nil {
		return clamp01(*alts[0].Score)
	}
	return SuitedOver(*alts[0].Score, *rival)
}

// SuitedOver is the chance that an option of suitability s, rather than a rival of
// suitability r, is the one that suits, reading each as the independent chance that its
// option suits and knowing that exactly one of them does: s(1−r) / (s(1−r) + r(1−s)), the
// Bradley–Terry probability with the scores' odds as strengths. It is 0.5 at a tie, 0.73 for
// 0.8 over 0.6, 0.9 for 0.9 over 0.5, 0.99 for 0.9 over 0.1 and 1 over a rival that cannot
// suit (0); the margin s − r read the first two as 0 and 0.2, doubt that a rule which plainly
// applies does not have. A margin m between middling scores (0.5 + m/2 over 0.5 − m/2) is the
// least sure reading of it: (1+m)² / ((1+m)² + (1−m)²), 0.6 for m = 0.1 and 0.69 for 0.2.
func SuitedOver(s, r float64) float64 {
	s, r = clamp01(s), clamp01(r)
	win, lose := s*(1-r), r*(1-s)
	if win+lose == 0 {
		return 0.5 // both certain (1 and 1) or both ruled out (0 and 0): nothing tells them apart
	}
	return win / (win + lose)
}

// clamp01 bounds a score to 0..1; NaN reads as 0.
func clamp01(v float64) float64 {
	if !(v >= 0) {
		return 0
	}
	return math.Min(v, 1)
}
