package analyze

import "regexp"

// detectionWording matches a description asking where objects are in images: a verb of
// finding ("find", "locate", "detect", "spot", "draw boxes around") and images ("photos",
// "images", "pictures", "frames") after it, such as "find the cars in the photos" or "locate
// every defect on these images".
func detectionWording() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(find|finds|finding|locate|locates|locating|detect|detects|detecting|spot|spots|box(es)?)\b.*\b(in|on|within|across)\b.*\b(photos?|images?|pictures?|frames?|shots?|scans?)\b|\b(bounding boxes?|draw boxes?|boxes around|where (is|are) the)\b`)
}

// AsksObjectDetection reports whether a description of an image project asks where objects
// are (object detection) rather than what one image shows (classification).
func AsksObjectDetection(description string) bool {
	return detectionWording().MatchString(description)
}
