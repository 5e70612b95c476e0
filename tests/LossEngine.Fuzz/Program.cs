using LossEngine.Fuzz;
using SharpFuzz;

// Usage: LossEngine.Fuzz TARGET          run under afl-fuzz, reading each input from standard input
//        LossEngine.Fuzz TARGET FILE...  replay files (crashes or corpus) and print each outcome
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: LossEngine.Fuzz TARGET [FILE...]; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

FuzzTarget target = FuzzTargets.Find(args[0]);

// The readers take paths (they memory-map files or choose the format by extension), so each input is written to one
// file in a folder of this process's own.
string folder = Directory.CreateTempSubdirectory("lossengine-fuzz-").FullName;
string input = Path.Combine(folder, "input" + target.Extension);
if (args.Length > 1)
{
    foreach (string file in args.Skip(1))
    {
        File.Copy(file, input, overwrite: true);
        Console.WriteLine($"{file}: {target.Read(input)}");
    }

    Directory.Delete(folder, recursive: true);
    return 0;
}

// Out of process: the fuzzed code runs in a child, so a fault that kills it (an access violation, a stack overflow)
// is reported to afl-fuzz as a crash of that input instead of taking down the fork server.
Fuzzer.OutOfProcess.Run(stream =>
{
    using (FileStream file = File.Create(input))
    {
        stream.CopyTo(file);
    }

    _ = target.Read(input);
});
return 0;
