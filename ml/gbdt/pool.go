package gbdt

import "sync/atomic"

// pool is a persistent set of worker goroutines. forEach hands out item
// indices dynamically; callers write results into per-item slots so the
// outcome never depends on which worker ran which item.
//
// The caller works on its own job too and waits only for items another
// worker has started, never for a worker to wake up: on a loaded machine a
// worker may stay descheduled for milliseconds, and the items it has not
// claimed by then are run by the caller instead.
type pool struct {
	workers int
	jobs    chan *poolJob
	closed  bool
}

type poolJob struct {
	fn      func(i int)
	n       int64
	next    atomic.Int64  // next item to claim
	pending atomic.Int64  // items not finished yet
	done    chan struct{} // closed when the last item finishes
}

// run claims and runs items until none is left.
func (j *poolJob) run() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.fn(int(i))
		if j.pending.Add(-1) == 0 {
			close(j.done)
		}
	}
}

func newPool(workers int) *pool {
	p := &pool{workers: max(workers, 1)}
	if p.workers > 1 {
		// Buffered so that handing out a job never blocks the caller.
		p.jobs = make(chan *poolJob, p.workers-1)
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
	j := &poolJob{fn: fn, n: int64(n), done: make(chan struct{})}
	j.pending.Store(int64(n))
	for w := 1; w < min(p.workers, n); w++ {
		select {
		case p.jobs <- j:
		default: // the queue is full of jobs that workers have yet to pick up
		}
	}
	j.run()
	<-j.done
}
