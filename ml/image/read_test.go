package image

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReadFolders: the first pictures of each class folder by name, labeled by the folder;
// other files and hidden folders are left out.
func TestReadFolders(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"shoe/b.png", "shoe/a.jpg", "shoe/c.png", "shoe/notes.txt", "bag/z.webp", ".cache/x.png"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadFolders(root, 2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Label+"/"+e.Name+"="+string(e.Data))
	}
	want := []string{"bag/z.webp=bag/z.webp", "shoe/a.jpg=shoe/a.jpg", "shoe/b.png=shoe/b.png"}
	if len(names) != len(want) {
		t.Fatalf("ReadFolders = %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("ReadFolders = %v, want %v", names, want)
		}
	}
	if all, err := ReadFolders(root, 0); err != nil || len(all) != 4 {
		t.Errorf("ReadFolders(all) = %d pictures, %v; want 4", len(all), err)
	}
}
