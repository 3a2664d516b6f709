package server

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseTaskTimes(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name, in string
		want     TaskTimes
		wantErr  string // a part of the error; "" for success
		wantStr  string
	}{
		{"default only", "200ms", TaskTimes{Default: 200 * ms}, "", "200ms"},
		{"one kind", "avatar=1s", TaskTimes{ByKind: map[string]time.Duration{"avatar": time.Second}}, "", "200ms,avatar=1s"},
		{"default and kinds", "100ms, avatar=1.5s ,rcmd=300ms", TaskTimes{Default: 100 * ms,
			ByKind: map[string]time.Duration{"avatar": 1500 * ms, "rcmd": 300 * ms}}, "", "100ms,avatar=1.5s,rcmd=300ms"},
		{"kind before default", "sms=5ms,2s", TaskTimes{Default: 2 * time.Second, ByKind: map[string]time.Duration{"sms": 5 * ms}}, "", "2s,sms=5ms"},
		{"at the maximum", "10m", TaskTimes{Default: MaxTaskTime}, "", "10m0s"},
		{"empty", "", TaskTimes{}, "want DURATION or KIND=DURATION", ""},
		{"unknown kind", "video=1s", TaskTimes{}, `unknown kind "video": want one of avatar, rcmd, sms`, ""},
		{"no unit", "200", TaskTimes{}, `item "200": want a duration`, ""},
		{"garbage", "soon", TaskTimes{}, `item "soon": want a duration`, ""},
		{"empty item", "200ms,", TaskTimes{}, `item "": want a duration`, ""},
		{"zero", "0s", TaskTimes{}, "want more than 0", ""},
		{"negative kind", "rcmd=-1s", TaskTimes{}, "want more than 0", ""},
		{"too long", "11m", TaskTimes{}, "at most 10m0s", ""},
		{"two defaults", "1s,2s", TaskTimes{}, "two durations for every kind", ""},
		{"kind twice", "rcmd=1s,rcmd=2s", TaskTimes{}, "kind rcmd given twice", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTaskTimes(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %+v", err, tt.want)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.wantStr {
				t.Errorf("String: got %q, want %q", s, tt.wantStr)
			}
		})
	}
}

func TestTaskTimesOf(t *testing.T) {
	times, err := ParseTaskTimes("100ms,avatar=1s")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		times TaskTimes
		kind  string
		want  time.Duration
	}{
		{times, TaskAvatar, time.Second},
		{times, TaskRcmd, 100 * time.Millisecond},
		{times, TaskSMS, 100 * time.Millisecond},
		{TaskTimes{}, TaskRcmd, DefaultTaskTime},
		{TaskTimes{ByKind: map[string]time.Duration{TaskSMS: time.Millisecond}}, TaskRcmd, DefaultTaskTime},
		{TaskTimes{ByKind: map[string]time.Duration{TaskSMS: time.Millisecond}}, TaskSMS, time.Millisecond},
	} {
		if got := c.times.Of(c.kind); got != c.want {
			t.Errorf("%v.Of(%s): got %v, want %v", c.times, c.kind, got, c.want)
		}
	}
}

// TestTaskTimesOptions checks the times set in code, not parsed: New refuses them with an
// error naming the kind or the duration.
func TestTaskTimesOptions(t *testing.T) {
	for _, c := range []struct {
		times   TaskTimes
		wantErr string
	}{
		{TaskTimes{ByKind: map[string]time.Duration{"video": time.Second}}, `kind "video": want one of avatar, rcmd, sms`},
		{TaskTimes{ByKind: map[string]time.Duration{TaskRcmd: 0}}, "task time of rcmd 0s"},
		{TaskTimes{Default: -time.Second}, "task time -1s"},
		{TaskTimes{Default: time.Hour}, "at most 10m0s"},
	} {
		o := Options{DB: "sqlite://x", TaskTimes: c.times}
		if _, err := o.withDefaults(); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%+v: got %v, want an error containing %q", c.times, err, c.wantErr)
		}
	}
	o := Options{DB: "sqlite://x", TaskTimeDist: "normal"}
	if _, err := o.withDefaults(); err == nil || !strings.Contains(err.Error(), `task time distribution "normal": want fixed or exp`) {
		t.Errorf("distribution normal: got %v, want an error naming fixed and exp", err)
	}
}

// FuzzParseTaskTimes: whatever ParseTaskTimes accepts, its String parses back to the same
// service time of every kind, and every time is in range.
func FuzzParseTaskTimes(f *testing.F) {
	for _, seed := range []string{"200ms", "avatar=1s", "100ms,avatar=1s,rcmd=300ms", "", ",", "=", "rcmd=",
		"1s,1s", "sms=1s,sms=2s", "1h", "-1s", "avatar=1s=2s", " rcmd = 2ms ", "1e3s", "9223372036854775807ns"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseTaskTimes(in)
		if err != nil {
			return
		}
		back, err := ParseTaskTimes(got.String())
		if err != nil {
			t.Fatalf("%q parsed to %v, whose String does not parse: %v", in, got, err)
		}
		for _, k := range TaskKinds {
			if d := got.Of(k); d <= 0 || d > MaxTaskTime || back.Of(k) != d {
				t.Fatalf("%q: kind %s: got %v, back %v, want equal and in (0, %v]", in, k, d, back.Of(k), MaxTaskTime)
			}
		}
	})
}

func TestRcmdTaskUIDs(t *testing.T) {
	for _, c := range []struct {
		uid   int64
		users int
		want  int
	}{{1, 60, 10}, {1, 11, 10}, {1, 5, 4}, {7, 5, 5}, {1, 1, 0}, {1, 0, 0}} {
		got := rcmdTaskUIDs(c.uid, "42", c.users)
		if len(got) != c.want {
			t.Errorf("uid %d of %d users: got %d uids %v, want %d", c.uid, c.users, len(got), got, c.want)
		}
		seen := map[int64]bool{}
		for i, u := range got {
			if u == c.uid || u < 1 || u > int64(c.users) || seen[u] || (i > 0 && u < got[i-1]) {
				t.Errorf("uid %d of %d users: got %v, want distinct others in 1..%d in order", c.uid, c.users, got, c.users)
			}
			seen[u] = true
		}
		if again := rcmdTaskUIDs(c.uid, "42", c.users); !reflect.DeepEqual(again, got) {
			t.Errorf("uid %d: got %v then %v, want the same (deterministic)", c.uid, got, again)
		}
	}
}
