// transact is a consume-transform-produce loop in franz-go's GroupTransactSession: it reads
// -input in group -group and, in one transaction per poll, writes "copy-of-<value>" to -output
// and commits the group's offsets. With -abort-first the first transaction is aborted instead:
// its copies stay in the log, marked aborted, and the session rewinds to the committed offsets,
// so those records are copied again. It stops once -count input records are committed.
package main

import (
	"flag"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"samsa.test/franzgo/internal/report"
)

func main() {
	input := flag.String("input", "", "topic to read")
	output := flag.String("output", "", "topic to write")
	group := flag.String("group", "", "consumer group")
	transactionalID := flag.String("transactional-id", "franz-go-copier", "transactional.id")
	count := flag.Int("count", 0, "input records to copy")
	abortFirst := flag.Bool("abort-first", false, "abort the first transaction")
	deadline := flag.Duration("deadline", 120*time.Second, "give up after this long")
	flag.Parse()

	session, err := kgo.NewGroupTransactSession(append(report.ClientOpts(),
		kgo.TransactionalID(*transactionalID), kgo.DefaultProduceTopic(*output), kgo.AllowAutoTopicCreation(),
		kgo.ConsumerGroup(*group), kgo.ConsumeTopics(*input), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.RequireStableFetchOffsets())...)
	if err != nil {
		report.Fail("new session", err)
	}
	defer session.Close()

	ctx, cancel := report.UntilStopped(*deadline)
	defer cancel()
	committedRecords, abortNext := 0, *abortFirst
	for committedRecords < *count {
		fetches := session.PollFetches(ctx)
		if ctx.Err() != nil {
			report.Fail("poll", ctx.Err())
		}
		fetches.EachError(func(topic string, partition int32, err error) { report.Fail("fetch "+topic, err) })
		if fetches.NumRecords() == 0 {
			continue
		}
		if err := session.Begin(); err != nil {
			report.Fail("begin", err)
		}
		var copies []*kgo.Record
		fetches.EachRecord(func(r *kgo.Record) {
			copies = append(copies, &kgo.Record{Key: r.Key, Value: append([]byte("copy-of-"), r.Value...)})
		})
		if err := session.ProduceSync(ctx, copies...).FirstErr(); err != nil {
			report.Fail("produce", err)
		}
		try := kgo.TryCommit
		if abortNext {
			try, abortNext = kgo.TryAbort, false
		}
		committed, err := session.End(ctx, try)
		if err != nil {
			report.Fail("end", err)
		}
		report.Emit(map[string]any{"transaction": len(copies), "committed": committed})
		if committed {
			committedRecords += len(copies)
		}
	}
	report.Emit(map[string]any{"done": true, "committedRecords": committedRecords})
}
