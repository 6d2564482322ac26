package main

import "runtime"

// numCPU is the number of CPUs the run may use.
func numCPU() int { return runtime.GOMAXPROCS(0) }
