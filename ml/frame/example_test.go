package frame_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
)

func ExampleRead() {
	in := "id,age,city,member,joined\n" +
		"1,34,\"Paris\",yes,2024-01-05\n" +
		"2,NA,Lyon,no,2024-02-11\n" +
		"3,51,\"Paris\",yes,\n"
	f, err := frame.Read(context.Background(), strings.NewReader(in), frame.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range f.Columns {
		fmt.Printf("%s: %s, %d missing, first %q\n", c.Name, c.Kind, c.NumMissing(), c.Value(0))
	}
	// Output:
	// id: numeric, 0 missing, first "1"
	// age: numeric, 1 missing, first "34"
	// city: categorical, 0 missing, first "Paris"
	// member: boolean, 0 missing, first "yes"
	// joined: datetime, 1 missing, first "2024-01-05T00:00:00Z"
}
