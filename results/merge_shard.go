package results

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// WarnShardsMissing is the code of the warning on a merged sharded run that lacks some of its
// shards: its figures are those of the shards given, not of the whole run.
const WarnShardsMissing = "shards_missing"

// mergeShards is Merge's part for the shards of a sharded run (sources with Shard set). Unless
// forced, it refuses (ErrMismatch) shards of different runs (another seed, shard count, start
// instant or run id; Merge has already checked the scenario), a shard beside a result that is
// not one, and an index given twice. It records the shards in m.Coordination, unless it is
// set, and adds a shards_missing warning naming the indexes of the run not given.
func mergeShards(force bool, names []string, rs []*Result, m *Result) error {
	first := -1
	for i, r := range rs {
		if r.Shard != nil {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	if !force {
		if err := checkShards(names, rs, first); err != nil {
			return err
		}
	}
	if !force {
		// shards of one run (checked) run side by side over one schedule: their asked rates
		// add up to the whole run's, whatever their slightly different wall-clock spans
		sum := 0.0
		for _, r := range rs {
			sum += r.RateAsked
		}
		if m.RateAsked > 0 {
			m.RateAsked = sum
		}
	}
	count := rs[first].Shard.Count
	given := map[int]bool{}
	var infos []ShardInfo
	for _, r := range rs {
		if s := r.Shard; s != nil && !given[s.Index] {
			given[s.Index] = true
			infos = append(infos, ShardInfo{Index: s.Index})
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Index < infos[j].Index })
	if m.Coordination == nil {
		m.Coordination = &Coordination{Shards: infos}
	}
	var missing []string
	for i := range count {
		if !given[i] {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		m.Warnings = append(m.Warnings, Warning{
			Code: WarnShardsMissing,
			Message: fmt.Sprintf("shard(s) %s of %d are missing: the figures are those of %d shard(s), not of the whole run",
				strings.Join(missing, ", "), count, count-len(missing)),
			Values: map[string]float64{"missing": float64(len(missing)), "count": float64(count)},
		})
	}
	return nil
}

// checkShards refuses shards that are not of one run, and an index given twice.
func checkShards(names []string, rs []*Result, first int) error {
	ref, refName := rs[first], names[first]
	seen := map[int]string{}
	for i, r := range rs {
		s := r.Shard
		if s == nil {
			return fmt.Errorf("%w: %s is shard %d/%d of a sharded run but %s is not a shard (use force to merge anyway)",
				ErrMismatch, refName, ref.Shard.Index, ref.Shard.Count, names[i])
		}
		why := ""
		switch {
		case s.Count != ref.Shard.Count:
			why = fmt.Sprintf("a run in %d shards, %s in %d", s.Count, refName, ref.Shard.Count)
		case s.Index < 0 || s.Index >= s.Count:
			why = fmt.Sprintf("shard %d of %d, want an index 0..%d", s.Index, s.Count, s.Count-1)
		case r.Seed != ref.Seed:
			why = fmt.Sprintf("seed %d, %s seed %d", r.Seed, refName, ref.Seed)
		case !s.Start.Equal(ref.Shard.Start):
			why = fmt.Sprintf("a run started at %s, %s at %s", startText(s), refName, startText(ref.Shard))
		case s.RunID != ref.Shard.RunID:
			why = fmt.Sprintf("run %q, %s run %q", s.RunID, refName, ref.Shard.RunID)
		}
		if why != "" {
			return fmt.Errorf("%w: %s is not a shard of the same run: it is %s (use force to merge anyway)", ErrMismatch, names[i], why)
		}
		if other, dup := seen[s.Index]; dup {
			return fmt.Errorf("%w: shard %d/%d given twice: %s and %s", ErrMismatch, s.Index, s.Count, other, names[i])
		}
		seen[s.Index] = names[i]
	}
	return nil
}

func startText(s *Shard) string {
	if s.Start.IsZero() {
		return "no common start"
	}
	return s.Start.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
