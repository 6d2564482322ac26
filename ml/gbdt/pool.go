package gbdt

import (
	"sync"
	"sync/atomic"
)

// pool is a persistent set of worker goroutines. forEach hands out item
// indices dynamically; callers write results into per-item slots so the
// outcome never depends on which worker ran which item.
type pool struct {
	workers int
	jobs    chan *poolJob
	closed  bool
}

type poolJob struct {
	fn   func(i int)
	n    int64
	next atomic.Int64
	wg   sync.WaitGroup
}

func (j *poolJob) run() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			break
		}
		j.fn(int(i))
	}
	j.wg.Done()
}

func newPool(workers int) *pool {
	p := &pool{workers: max(workers, 1)}
	if p.workers > 1 {
		p.jobs = make(chan *poolJob)
		for w := 1; w < p.workers; w++ {
			go func() {
				for j := range p.jobs {
					j.run()
				}
			}()
		}
	}
	return p
}

// close stops the worker goroutines.
func (p *pool) close() {
	if p.jobs != nil && !p.closed {
		p.closed = true
		close(p.jobs)
	}
}

// forEach calls fn(i) for i in [0, n), in parallel when parallel is true.
func (p *pool) forEach(n int, parallel bool, fn func(i int)) {
	if n <= 0 {
		return
	}
	if !parallel || p.workers == 1 || n == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	j := &poolJob{fn: fn, n: int64(n)}
	k := min(p.workers, n)
	j.wg.Add(k)
	for w := 1; w < k; w++ {
		p.jobs <- j
	}
	j.run()
	j.wg.Wait()
}
