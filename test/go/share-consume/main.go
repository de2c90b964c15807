// share-consume joins share group -group (KIP-932) on -topic with franz-go's share consumer and
// prints each record it is given, and each error its polls return, until -max records, the
// first error with -stop-on-error, SIGTERM or -deadline. Records are acknowledged (ACCEPT) as
// franz-go does by default: those of one poll with the next poll, the last ones on close.
package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"samsa.test/franzgo/internal/report"
)

func main() {
	topic := flag.String("topic", "", "topic to consume")
	group := flag.String("group", "", "share group")
	maxRecords := flag.Int("max", 0, "stop after this many records (0: no limit)")
	stopOnError := flag.Bool("stop-on-error", false, "stop at the first error a poll returns")
	deadline := flag.Duration("deadline", 60*time.Second, "give up after this long")
	flag.Parse()

	client, err := kgo.NewClient(append(report.ClientOpts(), kgo.ShareGroup(*group), kgo.ConsumeTopics(*topic))...)
	if err != nil {
		report.Fail("new client", err)
	}
	ctx, cancel := report.UntilStopped(*deadline)
	defer cancel()

	started, consumed, failed := time.Now(), 0, false
	for ctx.Err() == nil && (*maxRecords == 0 || consumed < *maxRecords) && !(failed && *stopOnError) {
		fetches := client.PollFetches(ctx)
		fetches.EachError(func(topic string, partition int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			line := report.Error(err)
			line["fetchError"], line["elapsedMs"] = true, time.Since(started).Milliseconds()
			report.Emit(line)
			failed = true
		})
		fetches.EachRecord(func(r *kgo.Record) {
			consumed++
			report.Emit(map[string]any{"record": string(r.Value), "partition": r.Partition, "offset": r.Offset})
		})
	}
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	client.Close() // acknowledges what the last poll gave
	report.Emit(map[string]any{"done": true, "consumed": consumed, "timedOut": timedOut})
}
