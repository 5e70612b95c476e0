using LossEngine.Cli;

return CliApplication.RunProcess(args);
