package analyze

import "testing"

func TestAsksObjectDetection(t *testing.T) {
	for desc, want := range map[string]bool{
		"find the cars in the photos":            true,
		"Locate every defect on these images":    true,
		"detect the birds in my pictures":        true,
		"draw boxes around the apples":           true,
		"is the picture bright or dark":          false,
		"classify the images into cats and dogs": false,
		"detect spam emails with 95% accuracy":   false,
		"which digit is in the image":            false,
	} {
		if got := AsksObjectDetection(desc); got != want {
			t.Errorf("AsksObjectDetection(%q) = %v, want %v", desc, got, want)
		}
	}
}
