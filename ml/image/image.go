// Package image learns to classify pictures.
//
// Decode reads PNG, JPEG, GIF and WebP (sniffed from the bytes, not the file
// name) and Tensor scales a picture to a fixed size as float32 values in
// [0, 1], channel-major (one plane per channel; 1 channel for gray, 3 for
// RGB). ReadZip lists the images of a zip of class folders in archive order
// (the folder is the label) and ReadCSV those of a CSV of paths and labels.
//
// Two learners: Net, a small convolutional network written in Go (3×3
// same-padded convolutions with ReLU and 2×2 max pooling, an optional hidden
// layer, softmax output; float32, mini-batches split across cores, Adam,
// an epoch loop that stops before the time budget runs out), and a pixel
// baseline, softmax regression on downscaled pixels. FitClassifier trains
// both under one budget and keeps the one with the better validation
// accuracy. Net.Layers and Classifier.PixelAffine hand the learned weights
// to the ONNX export (package ml/onnx).
package image
