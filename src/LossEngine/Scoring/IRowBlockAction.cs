namespace LossEngine.Scoring;

/// <summary>Work over a contiguous range of rows; a struct so that each batch kernel's inner call is specialised.</summary>
internal interface IRowBlockAction
{
    void Invoke(int startRow, int endRow);
}
